//! `letterpress preview`: the first page of one recipient's letter and its
//! envelope as PNG images, rasterised from Typst's laid-out pages (no external
//! tool, the same pixels on every machine), and on request with the postal
//! geometry drawn on top: the window, the part of the sheet the window always
//! shows, how far it can reach, the fold marks and the envelope's zones.

use std::path::{Path, PathBuf};

use tiny_skia::{Paint, PathBuilder, Pixmap, Stroke, Transform};
use typst::utils::Scalar;

use crate::campaign::{Campaign, Recipient};
use crate::diag::{Diag, DiagResult, did_you_mean};
use crate::postal::{self, Rect};
use crate::render::Renderer;

/// What to preview, and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The recipient's id; `None` for the first recipient.
    pub recipient: Option<String>,
    /// The folder the PNGs go to.
    pub out_dir: PathBuf,
    /// Draw the postal geometry on top.
    pub overlay: bool,
    /// Resolution in dots per inch.
    pub dpi: f32,
}

/// What a preview wrote.
#[derive(Debug)]
pub struct Preview {
    /// The recipient's id.
    pub id: String,
    /// `<dir>/<id>-letter.png`.
    pub letter: PathBuf,
    /// `<dir>/<id>-envelope.png`.
    pub envelope: PathBuf,
    /// What the build's checks say about this packet (the images are written
    /// anyway, so a layout that does not fit can be seen).
    pub problems: Vec<Diag>,
}

/// An overlay colour: red, green, blue, alpha.
pub type Colour = (u8, u8, u8, u8);

/// The window, where it lies on the sheet with the packet at rest in the
/// envelope's top-left corner: translucent blue.
pub const WINDOW: Colour = (0, 90, 255, 64);
/// What the window always shows, however the packet shifts: translucent green.
pub const ALWAYS_VISIBLE: Colour = (0, 170, 0, 72);
/// How far the window can reach when the packet shifts: an orange outline.
pub const REACH: Colour = (255, 140, 0, 255);
/// Fold and hole-punch marks, across the whole sheet: magenta lines.
pub const FOLD: Colour = (220, 0, 180, 255);
/// The envelope's postage area and sorting-code strip (keep clear): red.
pub const KEEP_CLEAR: Colour = (230, 0, 0, 56);
/// The envelope's sender zone: translucent blue.
pub const SENDER: Colour = (0, 90, 255, 40);
/// The envelope's read zone (where the address must lie): translucent green.
pub const READ: Colour = (0, 170, 0, 48);

/// What the colours mean, for the command's output.
pub const LEGEND: &str = "overlay: letter — blue = envelope window (packet at rest), green = always \
visible through the window, orange outline = where the window can reach, magenta = fold and punch \
marks; envelope — red = postage area and sorting-code strip (keep clear), blue = sender zone, \
green = read zone (the address block must lie inside)";

/// Renders the first page of a recipient's letter and envelope to PNG.
pub fn run(campaign: &Campaign, options: &Options) -> DiagResult<Preview> {
    let r = find(campaign, options.recipient.as_deref())?;
    if !(options.dpi.is_finite() && (10.0..=1200.0).contains(&options.dpi)) {
        return Err(vec![Diag::error(format!(
            "--dpi must be between 10 and 1200, not {}",
            options.dpi
        ))]);
    }
    let renderer = Renderer::new(campaign, None);
    let (letter, envelope, problems) = renderer.inspect(r)?;
    let render = |doc: &crate::render::Document| {
        let opts = typst_render::RenderOptions {
            pixel_per_pt: Scalar::new(f64::from(options.dpi) / 72.0),
            render_bleed: false,
        };
        doc.pages.first().map(|page| typst_render::render(page, &opts))
    };
    let (Some(mut letter_png), Some(mut envelope_png)) = (render(&letter), render(&envelope))
    else {
        return Err(vec![Diag::error("a template produced no pages").recipient(r.label())]);
    };
    if options.overlay {
        let px = f64::from(options.dpi) / 25.4;
        draw_letter_overlay(&mut letter_png, campaign, &renderer, px);
        draw_envelope_overlay(&mut envelope_png, campaign, px);
    }
    let dir = &options.out_dir;
    std::fs::create_dir_all(dir).map_err(|err| {
        vec![Diag::error(format!("failed to create output folder `{}` ({err})", dir.display()))]
    })?;
    let letter_path = dir.join(format!("{}-letter.png", r.id()));
    let envelope_path = dir.join(format!("{}-envelope.png", r.id()));
    write_png(&letter_png, &letter_path)?;
    write_png(&envelope_png, &envelope_path)?;
    Ok(Preview { id: r.id().to_string(), letter: letter_path, envelope: envelope_path, problems })
}

/// The recipient asked for, or the first.
fn find<'c>(campaign: &'c Campaign, id: Option<&str>) -> DiagResult<&'c Recipient> {
    let Some(id) = id else {
        return campaign
            .recipients
            .first()
            .ok_or_else(|| vec![Diag::error("the campaign has no recipients")]);
    };
    campaign.recipients.iter().find(|r| r.id() == id).ok_or_else(|| {
        let mut diag = Diag::error(format!("the campaign has no recipient `{id}`"));
        if let Some(best) = did_you_mean(id, campaign.recipients.iter().map(|r| r.id())) {
            diag = diag.hint(format!("did you mean `{best}`?"));
        }
        vec![diag.hint("`letterpress list` shows every recipient's id")]
    })
}

/// Writes a pixmap as PNG.
fn write_png(pixmap: &Pixmap, path: &Path) -> DiagResult<()> {
    let fail =
        |why: String| vec![Diag::error(format!("failed to write `{}` ({why})", path.display()))];
    let bytes = pixmap.encode_png().map_err(|e| fail(e.to_string()))?;
    std::fs::write(path, bytes).map_err(|e| fail(e.to_string()))
}

/// The letter's overlay: window, always-visible area, reach, folds.
fn draw_letter_overlay(pixmap: &mut Pixmap, c: &Campaign, renderer: &Renderer, px: f64) {
    let (layout, paper, env) = (&c.layout, c.paper, &c.envelope);
    if let Some(w) = env.window {
        let at_rest = Rect::new(w.x, w.y - layout.packet_offset, w.w, w.h);
        fill(pixmap, &at_rest, WINDOW, px);
        outline(pixmap, &at_rest, (WINDOW.0, WINDOW.1, WINDOW.2, 255), 0.3, px);
    }
    if let Some(v) = postal::always_visible(layout, paper, env, 0.0) {
        fill(pixmap, &v, ALWAYS_VISIBLE, px);
    }
    if let Some(reach) = renderer.areas().letter_window_reach {
        outline(pixmap, &reach, REACH, 0.4, px);
    }
    for y in layout.folds.iter().chain(layout.hole.iter()) {
        fill(pixmap, &Rect::new(0.0, y - 0.2, paper.w, 0.4), FOLD, px);
    }
    if layout.cross_fold {
        fill(pixmap, &Rect::new(paper.w / 2.0 - 0.2, 0.0, 0.4, paper.h), FOLD, px);
    }
}

/// The envelope's overlay: its zones (`envelope.pdf` is printed on plain
/// envelopes, so a window is not drawn).
fn draw_envelope_overlay(pixmap: &mut Pixmap, c: &Campaign, px: f64) {
    let zones = postal::envelope_zones(&c.envelope);
    fill(pixmap, &zones.postage, KEEP_CLEAR, px);
    fill(pixmap, &zones.code, KEEP_CLEAR, px);
    fill(pixmap, &zones.sender, SENDER, px);
    fill(pixmap, &zones.read, READ, px);
    outline(pixmap, &zones.read, (READ.0, READ.1, READ.2, 255), 0.3, px);
}

/// The paint of a colour (no anti-aliasing: edges land on whole pixels).
fn paint(colour: Colour) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(colour.0, colour.1, colour.2, colour.3);
    paint.anti_alias = false;
    paint
}

/// A rectangle in mm as pixels.
fn pixels(rect: &Rect, px: f64) -> Option<tiny_skia::Rect> {
    tiny_skia::Rect::from_xywh(
        (rect.x * px) as f32,
        (rect.y * px) as f32,
        (rect.w * px) as f32,
        (rect.h * px) as f32,
    )
}

/// Fills a rectangle given in mm.
fn fill(pixmap: &mut Pixmap, rect: &Rect, colour: Colour, px: f64) {
    if let Some(r) = pixels(rect, px) {
        pixmap.fill_rect(r, &paint(colour), Transform::identity(), None);
    }
}

/// Outlines a rectangle given in mm, with a line `width` mm wide.
fn outline(pixmap: &mut Pixmap, rect: &Rect, colour: Colour, width: f64, px: f64) {
    if let Some(r) = pixels(rect, px) {
        let path = PathBuilder::from_rect(r);
        let stroke = Stroke { width: ((width * px) as f32).max(1.0), ..Stroke::default() };
        pixmap.stroke_path(&path, &paint(colour), &stroke, Transform::identity(), None);
    }
}
