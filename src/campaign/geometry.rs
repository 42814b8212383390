//! Paper, layout and envelope: presets by name or the campaign's own tables,
//! checked against each other (the layout's paper, the folded packet in the
//! envelope, the address field behind the window).

use std::ops::Range;

use toml::Spanned;

use super::Loader;
use super::syntax::{Choice, RawEnvelope, RawLayout, RawRect};
use crate::diag::did_you_mean;
use crate::postal::{self, Envelope, Layout, Paper, Rect};

/// The envelope a campaign uses, and whether letterpress prints it.
pub struct EnvelopeChoice {
    /// The envelope (for `none`: the layout's window envelope, for the checks).
    pub envelope: Envelope,
    /// Whether a plain envelope PDF is printed per packet (`false` for `none`).
    pub print: bool,
}

impl Loader {
    /// The letter layout: the command line's preset, the campaign's preset or
    /// table, or the paper's default. Trying another paper with `--paper`
    /// alone swaps a campaign's preset for that paper's default layout, so a
    /// user need not also know the layout's name.
    pub(super) fn layout(
        &mut self,
        given: Option<&Spanned<Choice<RawLayout>>>,
        over: Option<&str>,
        paper: &'static Paper,
        paper_from_command_line: bool,
        paper_span: Range<usize>,
    ) -> Option<Layout> {
        let span = given.map_or(paper_span.clone(), |g| g.span());
        if over.is_none()
            && paper_from_command_line
            && let Some(Choice::Name(name)) = given.map(Spanned::get_ref)
            && postal::layout(&name.to_lowercase()).is_some_and(|l| l.paper != paper.id)
            && let Some(layout) = postal::default_layout(paper)
        {
            return Some(layout.clone());
        }
        let name = match (over, given.map(Spanned::get_ref)) {
            (Some("custom"), Some(Choice::Table(raw))) | (None, Some(Choice::Table(raw))) => {
                return self.custom_layout(raw, paper);
            }
            (Some(name), _) => name.to_string(),
            (None, Some(Choice::Name(name))) => name.to_lowercase(),
            (None, None) => match postal::default_layout(paper) {
                Some(layout) => return Some(layout.clone()),
                None => {
                    let names = layouts_for(paper);
                    let diag = self.error(
                        format!("no built-in layout is drawn for {} paper", paper.id),
                        paper_span,
                    );
                    *diag = diag.clone().hint(if names.is_empty() {
                        "define the address field and folds in a `[campaign.layout]` table"
                            .to_string()
                    } else {
                        format!("name one: {}", names.join(", "))
                    });
                    return None;
                }
            },
        };
        let Some(layout) = postal::layout(&name) else {
            let names: Vec<&str> = postal::LAYOUTS.iter().map(|l| l.id).collect();
            let hint = match did_you_mean(&name, names.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("known: {}, or a `[campaign.layout]` table", names.join(", ")),
            };
            self.diag_at(format!("unknown layout `{name}`"), over.is_none().then_some(span), hint);
            return None;
        };
        if layout.paper != paper.id {
            let names = layouts_for(paper);
            let hint = if names.is_empty() {
                format!(
                    "use paper = \"{}\", or define a `[campaign.layout]` table for {}",
                    layout.paper, paper.id
                )
            } else {
                format!("layouts for {}: {}", paper.id, names.join(", "))
            };
            self.diag_at(
                format!(
                    "layout `{}` is drawn for {} paper, not {}",
                    layout.id, layout.paper, paper.id
                ),
                Some(span),
                hint,
            );
            return None;
        }
        Some(layout.clone())
    }

    /// A `[campaign.layout]` table, checked against the paper.
    fn custom_layout(&mut self, raw: &RawLayout, paper: &'static Paper) -> Option<Layout> {
        let mut ok = true;
        let field = rect(raw.field.get_ref());
        let on_paper = Rect::new(0.0, 0.0, paper.w, paper.h);
        if !(field.w > 0.0 && field.h > 0.0 && inside(&field, &on_paper)) {
            self.error(
                format!("the address field must lie on the {} × {} mm paper", paper.w, paper.h),
                raw.field.span(),
            );
            ok = false;
        }
        let mut number = |value: &Option<Spanned<f64>>, max: f64, what: &str| -> f64 {
            match value {
                Some(v) if !(0.0..max).contains(v.get_ref()) => {
                    self.error(
                        format!("{what} must be at least 0 and less than {max} mm"),
                        v.span(),
                    );
                    ok = false;
                    0.0
                }
                Some(v) => *v.get_ref(),
                None => 0.0,
            }
        };
        let return_h = number(&raw.return_height, field.h, "return_height");
        // 1 mm by default, so letters that reach left of their origin (J, W)
        // stay inside the field.
        let indent =
            if raw.indent.is_some() { number(&raw.indent, field.w, "indent") } else { 1.0 };
        let hole = raw.hole.as_ref().map(|h| *h.get_ref());
        if let Some(h) = &raw.hole
            && !(0.0..paper.h).contains(h.get_ref())
        {
            self.error(format!("the hole mark must lie on the sheet (0–{} mm)", paper.h), h.span());
            ok = false;
        }
        let folds = raw.folds.as_ref().map(|f| f.get_ref().clone()).unwrap_or_default();
        let increasing = folds.windows(2).all(|w| w[0] < w[1]);
        if !increasing || folds.iter().any(|f| *f <= 0.0 || *f >= paper.h) {
            let span = raw.folds.as_ref().map_or(raw.field.span(), |f| f.span());
            self.error(
                format!(
                    "folds must be increasing distances from the top, between 0 and {} mm",
                    paper.h
                ),
                span,
            );
            ok = false;
        }
        let envelope = match &raw.envelope {
            None => None,
            Some(name) => match postal::envelope(&name.get_ref().to_lowercase()) {
                Some(env) if env.window.is_some() => Some(env.id),
                found => {
                    let what = if found.is_some() { "has no window" } else { "is unknown" };
                    self.error(format!("envelope `{}` {what}", name.get_ref()), name.span())
                        .notes
                        .push(format!("hint: window envelopes: {}", window_envelopes().join(", ")));
                    ok = false;
                    None
                }
            },
        };
        ok.then(|| Layout::custom(paper, field, return_h, indent, folds, hole, envelope))
    }

    /// The envelope: `none`, a preset, the campaign's own size, or the one the
    /// paper and fold call for; checked against the layout.
    pub(super) fn envelope(
        &mut self,
        given: Option<&Spanned<Choice<RawEnvelope>>>,
        over: Option<&str>,
        layout: &Layout,
        paper: &'static Paper,
        layout_from_command_line: bool,
        layout_span: Range<usize>,
    ) -> Option<EnvelopeChoice> {
        let span = given.map(Spanned::span);
        let at = over.is_none().then(|| span.clone()).flatten();
        // `--paper` or `--layout` alone: the campaign's envelope was chosen
        // for its own layout; one that does not take the new layout's letter
        // gives way to the envelope that layout calls for.
        let given = given.filter(|g| {
            let unsuited = |env: &Envelope| {
                !postal::packet_fits(layout, paper, env)
                    || env.window.is_some() && layout.envelope != Some(env.id)
            };
            !(over.is_none()
                && layout_from_command_line
                && matches!(g.get_ref(), Choice::Name(name)
                    if postal::envelope(&name.to_lowercase()).is_some_and(unsuited)))
        });
        let name = match (over, given.map(Spanned::get_ref)) {
            (Some("custom"), Some(Choice::Table(raw))) | (None, Some(Choice::Table(raw))) => {
                let envelope = self.custom_envelope(raw, span.clone().unwrap_or_default())?;
                return self.fit(envelope, true, layout, paper, at.or(Some(layout_span)));
            }
            (Some(name), _) => Some(name.to_lowercase()),
            (None, Some(Choice::Name(name))) => Some(name.to_lowercase()),
            (None, None) => None,
        };
        let Some(name) = name else {
            let Some(envelope) = postal::default_envelope(layout, paper) else {
                self.diag_at(
                    format!(
                        "no envelope of letterpress fits {} paper folded for layout `{}`",
                        paper.id, layout.id
                    ),
                    Some(layout_span),
                    "name one: envelope = \"…\" (see `letterpress templates`), or give its size: envelope = { w = …, h = … }",
                );
                return None;
            };
            return self.fit(*envelope, true, layout, paper, Some(layout_span));
        };
        if name == "none" {
            let Some(envelope) = layout.envelope.and_then(postal::envelope) else {
                self.diag_at(
                    format!(
                        "envelope = \"none\" needs a window layout, and layout `{}` names no window envelope",
                        layout.id
                    ),
                    at,
                    "choose a window layout (letterpress templates), or set `envelope` in `[campaign.layout]`",
                );
                return None;
            };
            return self.fit(*envelope, false, layout, paper, span.or(Some(layout_span)));
        }
        let Some(envelope) = postal::envelope(&name) else {
            let names: Vec<&str> = postal::ENVELOPES.iter().map(|e| e.id).collect();
            let hint = match did_you_mean(&name, names.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("known: none, {}", names.join(", ")),
            };
            self.diag_at(format!("unknown envelope `{name}`"), at, hint);
            return None;
        };
        self.fit(*envelope, true, layout, paper, at.or(Some(layout_span)))
    }

    /// `envelope = { w = …, h = … }`.
    fn custom_envelope(&mut self, raw: &RawEnvelope, span: Range<usize>) -> Option<Envelope> {
        let (w, h) = (raw.w.max(raw.h), raw.w.min(raw.h));
        if !(h >= 50.0 && w <= 500.0) {
            self.error("an envelope must be between 50 and 500 mm on each side", span);
            return None;
        }
        let window = raw.window.as_ref().map(rect);
        if let Some(win) = &window
            && !(win.w > 0.0 && win.h > 0.0 && inside(win, &Rect::new(0.0, 0.0, w, h)))
        {
            self.error(format!("the window must lie on the {w} × {h} mm envelope"), span);
            return None;
        }
        Some(Envelope {
            id: "custom",
            w,
            h,
            window,
            return_window: None,
            capacity: raw.capacity.unwrap_or(6),
            flat: "custom",
        })
    }

    /// Checks that the folded letter fits the envelope, and that the address
    /// field shows through its window.
    fn fit(
        &mut self,
        envelope: Envelope,
        print: bool,
        layout: &Layout,
        paper: &Paper,
        span: Option<Range<usize>>,
    ) -> Option<EnvelopeChoice> {
        if !postal::packet_fits(layout, paper, &envelope) {
            let (pw, ph) = layout.packet(paper);
            self.diag_at(
                format!(
                    "the letter folded for layout `{}` ({pw} × {ph} mm) does not fit envelope `{}` ({} × {} mm)",
                    layout.id, envelope.id, envelope.w, envelope.h
                ),
                span,
                "choose a larger envelope, or leave `envelope` out to get the one the fold calls for",
            );
            return None;
        }
        if envelope.window.is_some() {
            let zone = layout.recipient_zone();
            let shows = postal::always_visible(layout, paper, &envelope, 0.0)
                .filter(|v| v.right().min(zone.right()) - v.x.max(zone.x) >= 40.0)
                .filter(|v| v.bottom().min(zone.bottom()) - v.y.max(zone.y) >= 10.0);
            if shows.is_none() {
                self.diag_at(
                    format!(
                        "the address field of layout `{}` does not show through the window of envelope `{}`",
                        layout.id, envelope.id
                    ),
                    span,
                    match layout.envelope {
                        Some(id) => format!("layout `{}` is drawn for envelope `{id}`", layout.id),
                        None => "choose the window envelope the layout is drawn for".to_string(),
                    },
                );
                return None;
            }
        }
        Some(EnvelopeChoice { envelope, print })
    }

    /// An error at a span of the campaign file (or none, for the command line).
    fn diag_at(&mut self, message: String, span: Option<Range<usize>>, hint: impl Into<String>) {
        let mut diag = crate::diag::Diag::error(message);
        if let Some(span) = span {
            diag = diag.at(&self.file, span);
        }
        self.diags.push(diag.hint(hint.into()));
    }
}

/// The built-in layouts drawn for a paper.
fn layouts_for(paper: &Paper) -> Vec<&'static str> {
    postal::LAYOUTS.iter().filter(|l| l.paper == paper.id).map(|l| l.id).collect()
}

/// The built-in window envelopes.
fn window_envelopes() -> Vec<&'static str> {
    postal::ENVELOPES.iter().filter(|e| e.window.is_some()).map(|e| e.id).collect()
}

fn rect(raw: &RawRect) -> Rect {
    Rect::new(raw.x, raw.y, raw.w, raw.h)
}

/// Whether `inner` lies inside `outer`.
fn inside(inner: &Rect, outer: &Rect) -> bool {
    inner.x >= outer.x
        && inner.y >= outer.y
        && inner.right() <= outer.right()
        && inner.bottom() <= outer.bottom()
}
