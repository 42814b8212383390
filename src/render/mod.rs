//! Typesetting: a campaign's recipients into checked PDF documents.
//!
//! The [`Renderer`] is built once per build (fonts, templates, library) and is
//! shared by every worker thread; each document only adds its data file.

pub mod checks;
mod fit;
pub mod world;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use typst::diag::{SourceDiagnostic, Warned};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::FileId;
use typst::{World, WorldExt};
use typst_layout::{Page, PagedDocument};
use typst_pdf::{PdfOptions, Timestamp};

use crate::campaign::{Campaign, Recipient};
use crate::diag::{Diag, SourceFile};
use crate::postal::labels::LabelSheet;
use crate::postal::{self, Rect};
use world::{Base, DATA_ID, TEMPLATE_DIR, file_id};

/// Top margin of every letter page, in mm.
const TOP_MARGIN: f64 = 25.0;

/// One typeset document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The PDF file.
    pub pdf: Vec<u8>,
    /// The laid-out pages (for the print files).
    pub pages: Vec<Page>,
    /// Typst's warnings (an unknown font, a layout that did not converge).
    pub warnings: Vec<Diag>,
    /// Time spent compiling (evaluation and layout).
    pub compile: std::time::Duration,
    /// Time spent exporting the PDF.
    pub export: std::time::Duration,
}

/// A recipient's packet: the letter and the envelope.
#[derive(Debug, Clone)]
pub struct Packet {
    /// The letter.
    pub letter: Document,
    /// The envelope, unless the campaign prints none (`envelope = "none"`).
    pub envelope: Option<Document>,
    /// The envelope the packet goes into: the campaign's, or the flat one of
    /// its family when the sheets are more than it holds folded.
    pub envelope_used: postal::Envelope,
    /// Sheets of paper (both sides printed unless the campaign is simplex).
    pub sheets: usize,
}

impl Packet {
    /// Whether the packet moved to a flat envelope because of its thickness.
    pub fn switched(&self, campaign: &Campaign) -> bool {
        self.envelope_used.id != campaign.envelope.id
    }
}

/// The areas the checks hold the layout to, in mm.
#[derive(Debug, Clone, Copy)]
pub struct Areas {
    /// Where the recipient block on the letter must lie: the recipient zone
    /// of the address field, cut to what the envelope window always shows.
    pub letter_recipient: Rect,
    /// Where the return line on the letter must lie.
    pub letter_return: Rect,
    /// Where the return address on the letter must lie to show through a
    /// double-window envelope's upper window.
    pub letter_sender: Option<Rect>,
    /// The part of the first page that can show through the upper window.
    pub letter_sender_reach: Option<Rect>,
    /// The part of the first page that can show through the window at some
    /// shift of the folded sheet: nothing else may print there.
    pub letter_window_reach: Option<Rect>,
    /// The envelope's zones.
    pub envelope: postal::EnvelopeZones,
}

/// Everything needed to typeset a campaign.
pub struct Renderer<'c> {
    campaign: &'c Campaign,
    base: Base,
    geometry: Value,
    areas: Areas,
    letter_id: FileId,
    envelope_id: FileId,
    labels_id: FileId,
    timestamp: Option<Timestamp>,
    standards: typst_pdf::PdfStandards,
    /// Works out the address block's size where the font's metrics settle it.
    fit: Option<fit::AddressFit>,
    /// The box the letter's address block fits (mm): the width from its
    /// indent to the window's edge, the window's height below the air on top.
    address_box: (f64, f64),
    /// The data's bytes before and after `recipient` by language, country
    /// and envelope (see `data_bytes`).
    shared_data: Mutex<Vec<SharedData>>,
}

/// A language, a country, an envelope, and the data's bytes around
/// `recipient` for them.
type SharedData = (&'static str, String, &'static str, Arc<(Vec<u8>, Vec<u8>)>);

impl<'c> Renderer<'c> {
    /// Prepares fonts, templates and geometry for a campaign.
    pub fn new(campaign: &'c Campaign, epoch: Option<i64>) -> Self {
        let mut extra = BTreeMap::new();
        for body in campaign.letter.bodies.values().filter(|b| b.inline) {
            extra.insert(body.rel.clone(), world::text_bytes(&body.text));
        }
        let today = world::datetime(campaign.date);
        let base = Base::new(campaign.dir.clone(), extra, today);
        let (geometry, areas) = geometry(campaign);
        let address_box = (
            geometry["address_width"].as_f64().unwrap_or_default(),
            areas.letter_recipient.h - fit::AIR,
        );
        let timestamp = match epoch {
            Some(secs) => epoch_datetime(secs),
            None => {
                let (y, m, d) = campaign.date;
                Datetime::from_ymd_hms(i32::from(y), m, d, 0, 0, 0)
            }
        }
        .map(Timestamp::new_utc);
        // The campaign checked the name against the list Typst knows.
        let standards = campaign
            .pdf_standard
            .as_ref()
            .and_then(|name| serde_json::from_value::<typst_pdf::PdfStandard>(json!(name)).ok())
            .and_then(|standard| typst_pdf::PdfStandards::new(&[standard]).ok())
            .unwrap_or_default();
        Self {
            campaign,
            base,
            geometry,
            areas,
            letter_id: file_id(&format!("/{TEMPLATE_DIR}/letter.typ")),
            envelope_id: file_id(&format!("/{TEMPLATE_DIR}/envelope.typ")),
            labels_id: file_id(&format!("/{TEMPLATE_DIR}/labels.typ")),
            timestamp,
            standards,
            fit: fit::AddressFit::new(),
            address_box,
            shared_data: Mutex::new(vec![]),
        }
    }

    /// Every campaign file Typst read so far (for the archive).
    pub fn files_read(&self) -> BTreeMap<String, Bytes> {
        self.base.campaign_files_read()
    }

    /// The data file a recipient's documents read.
    pub fn data(&self, r: &Recipient) -> Value {
        self.data_for(r, &self.campaign.envelope)
    }

    /// The data file for a recipient's packet in an envelope: the envelope's
    /// zones are those of the destination's post.
    fn data_for(&self, r: &Recipient, env: &postal::Envelope) -> Value {
        let c = self.campaign;
        let s = &c.sender;
        let international = r.country.code != s.country.code;
        let mut return_lines: Vec<String> = vec![s.name.clone()];
        return_lines.extend(s.organisation.clone());
        return_lines.extend(s.address_lines.iter().cloned());
        let mut return_parts: Vec<String> =
            vec![s.organisation.clone().unwrap_or_else(|| s.name.clone())];
        return_parts.extend(s.address_lines.iter().cloned());
        if international {
            let country =
                postal::address::country_line(s.country, c.french_country_names).to_string();
            return_lines.push(country.clone());
            return_parts.push(country);
        }
        // The recipient's language decides the words, the date and the body.
        let words = r.words;
        let lang = words.code;
        let closing = c.letter.closing.get(lang).unwrap_or(words.closing);
        let body = c.letter.body(lang).map(|b| format!("/{}", b.rel));
        let mut data = json!({
            "campaign": {
                "id": c.id,
                "title": c.title,
                "date": words.long_date(c.date.0, c.date.1, c.date.2),
                "lang": lang,
            },
            "words": words,
            "sender": {
                "name": s.name,
                "title": s.title,
                "organisation": s.organisation,
                "address": s.address_lines,
                "contact": s.contact,
                "signature": s.signature.as_ref().map(|p| format!("/{p}")),
                "return_lines": return_lines,
                "return_parts": return_parts,
            },
            "letter": {
                "subject": c.letter.subject.get(lang).unwrap_or_default(),
                "body": body,
                "closing": closing,
                "cc": c.letter.cc,
                "enclosures": c.letter.enclosures,
            },
            "geometry": self.geometry_for(env, &r.country.code),
        });
        data["recipient"] = self.recipient_data(r);
        data
    }

    /// The data's `recipient`: the only part that two recipients of the
    /// same language and country, in the same envelope, do not share.
    fn recipient_data(&self, r: &Recipient) -> Value {
        json!({
            "id": r.id(),
            "number": r.number,
            "name": r.name(),
            "role": r.role(),
            "organisation": r.organisation(),
            "salutation": r.salutation(),
            "address": r.address_lines,
            "address_size": self.address_size(r, self.address_box.0, self.address_box.1),
            "country": r.country.code,
            "international": r.country.code != self.campaign.sender.country.code,
            "extra": r.extra,
        })
    }

    /// The data file's bytes, as `serde_json::to_vec(&self.data_for(r, env))`
    /// writes them: the parts before and after `recipient` are written once
    /// per language, country and envelope and kept (a packet's data took
    /// ~1 % of its typesetting thread, most of it cloning and writing the
    /// geometry and the sender, the same for every recipient).
    fn data_bytes(&self, r: &Recipient, env: &postal::Envelope) -> Vec<u8> {
        let shared = {
            let mut cache = self.shared_data.lock().unwrap_or_else(|e| e.into_inner());
            let key = (r.words.code, env.id);
            let found = cache.iter().find(|(l, c, e, _)| (*l, *e) == key && *c == r.country.code);
            match found {
                Some((.., shared)) => Arc::clone(shared),
                None => {
                    let shared = Arc::new(self.shared_bytes(r, env));
                    let entry = (key.0, r.country.code.clone(), key.1, Arc::clone(&shared));
                    cache.push(entry);
                    shared
                }
            }
        };
        let (before, after) = &*shared;
        let recipient = serde_json::to_vec(&self.recipient_data(r)).unwrap_or_default();
        let mut bytes = Vec::with_capacity(before.len() + recipient.len() + after.len());
        bytes.extend_from_slice(before);
        bytes.extend_from_slice(&recipient);
        bytes.extend_from_slice(after);
        bytes
    }

    /// `data_for`'s bytes before and after the recipient's value: each entry
    /// of the top-level object written as serde_json writes it (compact,
    /// in the map's order), the recipient's left out.
    fn shared_bytes(&self, r: &Recipient, env: &postal::Envelope) -> (Vec<u8>, Vec<u8>) {
        let (mut before, mut after) = (vec![b'{'], vec![]);
        let Value::Object(map) = self.data_for(r, env) else {
            return (before, after);
        };
        let mut seen = false;
        for (i, (key, value)) in map.iter().enumerate() {
            let out = if seen { &mut after } else { &mut before };
            if i > 0 {
                out.push(b',');
            }
            out.extend(serde_json::to_vec(key).unwrap_or_default());
            out.push(b':');
            if key == "recipient" {
                seen = true;
            } else {
                out.extend(serde_json::to_vec(value).unwrap_or_default());
            }
        }
        after.push(b'}');
        (before, after)
    }

    /// The size (pt) of `r`'s address block in a box of `width` × `height`
    /// mm, where the font's metrics settle it (see `fit.rs`).
    fn address_size(&self, r: &Recipient, width: f64, height: f64) -> Option<f64> {
        self.fit.as_ref()?.size(r.address_lines.iter(), width, height)
    }

    /// The geometry with the envelope's part for a destination.
    fn geometry_for(&self, env: &postal::Envelope, country: &str) -> Value {
        let mut geometry = self.geometry.clone();
        geometry["envelope"] = envelope_geometry(env, country).0;
        geometry
    }

    /// Typesets, exports and checks one recipient's letter and envelope.
    pub fn packet(&self, r: &Recipient) -> Result<Packet, Vec<Diag>> {
        let c = self.campaign;
        let json = |env: &postal::Envelope| Bytes::new(self.data_bytes(r, env));
        let data = json(&c.envelope);
        let ident = format!("{}/{}", c.id, r.id());
        let letter = self.document(self.letter_id, &data, &format!("{ident}/letter"), Some(r));
        let pages = letter.as_ref().map_or(1, |l| l.pages.len());
        let sheets = if c.duplex { pages.div_ceil(2) } else { pages };
        // A packet thicker than the envelope holds folded goes flat into the
        // flat envelope of the same family.
        let envelope_used = match postal::envelope(c.envelope.flat) {
            Some(flat) if sheets > c.envelope.capacity && flat.id != c.envelope.id => *flat,
            _ => c.envelope,
        };
        let envelope = (c.print_envelopes || envelope_used.id != c.envelope.id).then(|| {
            let data = if envelope_used.id == c.envelope.id { data } else { json(&envelope_used) };
            self.document(self.envelope_id, &data, &format!("{ident}/envelope"), Some(r))
        });
        // With labels, each address is set on a label of its own too, so a
        // recipient whose address does not fit a label fails with its packet.
        let label = match c.labels {
            Some(sheet) => self.labels(sheet, &[r], &format!("{ident}/label")).err(),
            None => None,
        };
        let mut diags = vec![];
        if let Ok(letter) = &letter {
            diags.extend(self.check_letter(letter, r));
        }
        if let Some(Ok(envelope)) = &envelope {
            diags.extend(self.check_envelope(envelope, r, &envelope_used));
        }
        let envelope = envelope.transpose();
        match (letter, envelope) {
            (Ok(letter), Ok(envelope)) if diags.is_empty() && label.is_none() => {
                Ok(Packet { letter, envelope, envelope_used, sheets })
            }
            (letter, envelope) => {
                diags.extend(letter.err().unwrap_or_default());
                diags.extend(envelope.err().unwrap_or_default());
                let mut diags: Vec<Diag> =
                    diags.into_iter().map(|d| d.recipient(r.label())).collect();
                diags.extend(label.unwrap_or_default());
                Err(diags)
            }
        }
    }

    /// The areas the checks hold the layout to.
    pub fn areas(&self) -> &Areas {
        &self.areas
    }

    /// Typesets a recipient's letter and envelope and runs the checks, but
    /// keeps the documents when a check fails (for `letterpress preview`,
    /// which shows a layout that does not fit as well as one that does).
    /// Fails only when a document cannot be typeset at all.
    pub fn inspect(&self, r: &Recipient) -> Result<(Document, Document, Vec<Diag>), Vec<Diag>> {
        let data = Bytes::new(serde_json::to_vec_pretty(&self.data(r)).unwrap_or_default());
        let ident = format!("{}/{}", self.campaign.id, r.id());
        let letter = self.document(self.letter_id, &data, &format!("{ident}/letter"), Some(r));
        let envelope =
            self.document(self.envelope_id, &data, &format!("{ident}/envelope"), Some(r));
        match (letter, envelope) {
            (Ok(letter), Ok(envelope)) => {
                let mut diags = self.check_letter(&letter, r);
                diags.extend(self.check_envelope(&envelope, r, &self.campaign.envelope));
                let diags = diags.into_iter().map(|d| d.recipient(r.label())).collect();
                Ok((letter, envelope, diags))
            }
            (letter, envelope) => {
                let mut diags = letter.err().unwrap_or_default();
                diags.extend(envelope.err().unwrap_or_default());
                Err(diags.into_iter().map(|d| d.recipient(r.label())).collect())
            }
        }
    }

    /// The data the labels template reads: the labels of some packets, in
    /// order, with each one's page, die-cut cell and safe area (mm).
    pub fn labels_data(&self, sheet: &LabelSheet, recipients: &[&Recipient]) -> Value {
        let c = self.campaign;
        let per_sheet = sheet.per_sheet();
        let labels: Vec<Value> = recipients
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let area = sheet.safe_area(i);
                json!({
                    "id": r.id(),
                    "number": r.number,
                    "page": i / per_sheet,
                    "cell": sheet.cell(i),
                    "area": area,
                    "address": r.address_lines,
                    "address_size": self.address_size(r, area.w, area.h - fit::AIR),
                })
            })
            .collect();
        json!({
            "campaign": { "id": c.id, "title": c.title, "lang": c.words.code },
            "geometry": self.geometry,
            "sheet": { "id": sheet.id, "w": sheet.w, "h": sheet.h, "per_sheet": per_sheet },
            "labels": labels,
        })
    }

    /// Typesets, exports and checks the address labels of some packets, in
    /// packet order: one page per sheet.
    pub fn labels(
        &self,
        sheet: &LabelSheet,
        recipients: &[&Recipient],
        ident: &str,
    ) -> Result<Document, Vec<Diag>> {
        let data = serde_json::to_vec_pretty(&self.labels_data(sheet, recipients));
        let data = Bytes::new(data.unwrap_or_default());
        let doc = self.document(self.labels_id, &data, ident, None)?;
        let diags = self.check_labels(&doc, sheet, recipients);
        if diags.is_empty() { Ok(doc) } else { Err(diags) }
    }

    /// Checks that each label's text lies inside its label's safe area, on
    /// sheets of the right size.
    fn check_labels(
        &self,
        doc: &Document,
        sheet: &LabelSheet,
        recipients: &[&Recipient],
    ) -> Vec<Diag> {
        let mut diags = vec![];
        let per_sheet = sheet.per_sheet();
        let sheets = recipients.len().div_ceil(per_sheet);
        if doc.pages.len() != sheets {
            diags.push(Diag::error(format!(
                "the labels template printed {} pages for {} labels, not {sheets}",
                doc.pages.len(),
                recipients.len()
            )));
        }
        for (p, page) in doc.pages.iter().enumerate() {
            let size = page.frame.size();
            if (size.x.to_mm() - sheet.w).abs() > 0.1 || (size.y.to_mm() - sheet.h).abs() > 0.1 {
                diags.push(Diag::error(format!(
                    "page {} of the labels is {:.1} × {:.1} mm, not {:.1} × {:.1} mm",
                    p + 1,
                    size.x.to_mm(),
                    size.y.to_mm(),
                    sheet.w,
                    sheet.h
                )));
            }
            let runs = checks::runs(&page.frame);
            if let Some(run) = runs.iter().find(|run| run.labels.is_empty()) {
                diags.push(Diag::error(format!(
                    "text “{}” on page {} of the labels lies outside every label",
                    run.text,
                    p + 1
                )));
            }
            for (i, r) in recipients.iter().enumerate().filter(|(i, _)| i / per_sheet == p) {
                let label = format!("lp-label-{i}");
                if checks::labelled_bbox(&runs, &label).is_none() {
                    diags.push(
                        Diag::error(format!(
                            "the labels template printed no label {} (label <{label}>)",
                            i + 1
                        ))
                        .recipient(r.label()),
                    );
                    continue;
                }
                let area = sheet.safe_area(i);
                let advice = "shorten the longest line or use fewer lines \
                              (`letterpress templates` lists the label sheets letterpress knows)";
                diags.extend(
                    self.misfit_advised(
                        r,
                        &runs,
                        &label,
                        "address block",
                        &format!("{} label's safe area", sheet_name(sheet)),
                        &area,
                        advice,
                    )
                    .map(|d| d.recipient(r.label())),
                );
            }
        }
        diags
    }

    /// Compiles one template against the data and exports it.
    fn document(
        &self,
        main: FileId,
        data: &Bytes,
        ident: &str,
        r: Option<&Recipient>,
    ) -> Result<Document, Vec<Diag>> {
        let doc = self.base.doc(main, data.clone());
        let started = crate::clock::Stopwatch::start();
        let Warned { output, warnings } = typst::compile::<PagedDocument>(&doc);
        let compile = started.elapsed();
        let document = output.map_err(|errors| self.convert(&doc, &errors))?;
        let mut diags: Vec<Diag> = self.convert(&doc, &warnings);
        if document.pages().is_empty() {
            diags.push(Diag::error(format!(
                "the template `{}` produced no pages",
                self.base.name(main)
            )));
            return Err(diags);
        }
        let options = PdfOptions {
            ident: Smart::Custom(ident.to_string()),
            timestamp: self.timestamp,
            standards: self.standards.clone(),
            ..PdfOptions::default()
        };
        let started = crate::clock::Stopwatch::start();
        let pdf =
            typst_pdf::pdf(&document, &options).map_err(|errors| self.convert(&doc, &errors))?;
        let export = started.elapsed();
        let warnings = match r {
            Some(r) => diags.into_iter().map(|d| d.recipient(r.label())).collect(),
            None => diags,
        };
        Ok(Document { pdf, pages: document.pages().to_vec(), warnings, compile, export })
    }

    /// Checks where the letter's text landed.
    fn check_letter(&self, letter: &Document, r: &Recipient) -> Vec<Diag> {
        let mut diags =
            self.check_pages(letter, self.campaign.paper.w, self.campaign.paper.h, "letter", r);
        let Some(first) = letter.pages.first() else {
            return diags;
        };
        let a = &self.areas;
        let near: Vec<Rect> = a.letter_window_reach.into_iter().collect();
        let runs = checks::runs_near(&first.frame, &near);
        if let Some(allowed) = &a.letter_sender {
            if checks::labelled_bbox(&runs, "lp-sender").is_none() {
                diags.push(Diag::error(
                    "the letter template printed no return address for the upper window (label <lp-sender>)",
                ));
            }
            diags.extend(self.misfit(
                r,
                &runs,
                "lp-sender",
                "letter's return address",
                "upper window",
                allowed,
            ));
        }
        let window =
            if self.campaign.envelope.window.is_some() { "window" } else { "address field" };
        if checks::labelled_bbox(&runs, "lp-recipient").is_none() {
            diags.push(Diag::error(
                "the letter template printed no recipient block (label <lp-recipient>)",
            ));
        }
        diags.extend(self.misfit(
            r,
            &runs,
            "lp-recipient",
            "letter's address block",
            window,
            &a.letter_recipient,
        ));
        diags.extend(self.misfit(
            r,
            &runs,
            "lp-return",
            "letter's return line",
            "return-address zone",
            &a.letter_return,
        ));
        for reach in a.letter_window_reach.iter().chain(&a.letter_sender_reach) {
            for run in runs.iter().filter(|run| run.labels.is_empty()) {
                if checks::intersects(&run.bbox, reach) {
                    diags.push(
                        Diag::error(format!("text “{}” on the letter would show through the envelope window", run.text))
                            .hint(format!(
                                "nothing but the address may print in x {:.1}–{:.1} mm, y {:.1}–{:.1} mm of the first page",
                                reach.x,
                                reach.right(),
                                reach.y,
                                reach.bottom()
                            )),
                    );
                    break;
                }
            }
        }
        diags
    }

    /// Checks where the envelope's text landed.
    fn check_envelope(
        &self,
        envelope: &Document,
        r: &Recipient,
        env: &postal::Envelope,
    ) -> Vec<Diag> {
        let mut diags = self.check_pages(envelope, env.w, env.h, "envelope", r);
        let Some(first) = envelope.pages.first() else {
            return diags;
        };
        let zones = &postal::zones_for(env, &r.country.code);
        let runs = checks::runs_near(&first.frame, &[zones.postage, zones.code]);
        if checks::labelled_bbox(&runs, "lp-recipient").is_none() {
            diags.push(Diag::error(
                "the envelope template printed no recipient block (label <lp-recipient>)",
            ));
        }
        diags.extend(self.misfit(
            r,
            &runs,
            "lp-recipient",
            "envelope's address block",
            if r.country.code == "US" { "USPS OCR read area" } else { "postal read zone" },
            &zones.read,
        ));
        diags.extend(self.misfit(
            r,
            &runs,
            "lp-sender",
            "envelope's return address",
            "sender zone",
            &zones.sender,
        ));
        for (zone, what) in [(&zones.postage, "postage area"), (&zones.code, "sorting-code strip")]
        {
            if let Some(run) = runs.iter().find(|run| checks::intersects(&run.bbox, zone)) {
                diags.push(Diag::error(format!(
                    "text “{}” on the envelope lies in the {what}, which must stay clear",
                    run.text
                )));
            }
        }
        diags
    }

    /// Checks page sizes and glyphs of every page.
    fn check_pages(&self, doc: &Document, w: f64, h: f64, what: &str, r: &Recipient) -> Vec<Diag> {
        let mut diags = vec![];
        for (i, page) in doc.pages.iter().enumerate() {
            let size = page.frame.size();
            if (size.x.to_mm() - w).abs() > 0.1 || (size.y.to_mm() - h).abs() > 0.1 {
                diags.push(Diag::error(format!(
                    "page {} of the {what} is {:.1} × {:.1} mm, not {w} × {h} mm",
                    i + 1,
                    size.x.to_mm(),
                    size.y.to_mm()
                )));
            }
            for c in checks::missing_glyphs(&page.frame) {
                if diags.iter().any(|d: &Diag| d.message.contains(&format!("U+{:04X}", c as u32))) {
                    continue;
                }
                let field = field_with(r, c)
                    .map(|f| format!(" in the recipient's {f}"))
                    .unwrap_or_default();
                diags.push(
                    Diag::error(format!(
                        "no font has a glyph for “{c}” (U+{:04X}){field}: it would print as an empty box",
                        c as u32
                    ))
                    .hint(format!("on page {} of the {what}; letterpress uses only the fonts under fonts/", i + 1)),
                );
            }
        }
        diags
    }

    /// A diagnostic for a labelled block that does not fit its area, naming
    /// the line that sticks out furthest and pointing at it in the campaign.
    fn misfit(
        &self,
        r: &Recipient,
        runs: &[checks::Run],
        label: &str,
        what: &str,
        area: &str,
        allowed: &Rect,
    ) -> Option<Diag> {
        let advice = "shorten the longest line, use fewer lines, or choose a larger envelope";
        self.misfit_advised(r, runs, label, what, area, allowed, advice)
    }

    /// [`Self::misfit`] with the advice of the last hint.
    #[allow(clippy::too_many_arguments)]
    fn misfit_advised(
        &self,
        r: &Recipient,
        runs: &[checks::Run],
        label: &str,
        what: &str,
        area: &str,
        allowed: &Rect,
        advice: &str,
    ) -> Option<Diag> {
        let bbox = checks::labelled_bbox(runs, label)?;
        let miss = checks::overshoot(&bbox, allowed);
        if miss.is_empty() {
            return None;
        }
        let inside: Vec<&checks::Run> =
            runs.iter().filter(|run| run.labels.iter().any(|l| l == label)).collect();
        let widest = inside.iter().max_by(|a, b| a.bbox.right().total_cmp(&b.bbox.right()));
        let mut message = format!("the {what} does not fit the {area}: {}", miss.join(", "));
        let mut span = r.span.start..r.span.start;
        if let Some(run) = widest.filter(|run| run.bbox.right() > allowed.right() + 0.05) {
            // As the campaign wrote it: the template's no-break spaces and
            // word joiners (after hyphens) undone.
            let text = run.text.replace('\u{a0}', " ").replace('\u{2060}', "");
            message.push_str(&format!(" (the line “{}” is too long)", text.trim()));
            span = locate_text(&r.source.text, r.span.clone(), text.trim()).unwrap_or(span);
        } else if bbox.bottom() > allowed.bottom() + 0.05 {
            message.push_str(&format!(" ({} lines are too many)", line_count(&inside)));
            span = locate_text(&r.source.text, r.span.clone(), "address").unwrap_or(span);
        }
        Some(
            Diag::error(message)
                .at(&r.source, span)
                .label("in this recipient's address")
                .hint(format!(
                    "the block covers x {:.1}–{:.1} mm, y {:.1}–{:.1} mm; the {area} allows x {:.1}–{:.1} mm, y {:.1}–{:.1} mm",
                    bbox.x,
                    bbox.right(),
                    bbox.y,
                    bbox.bottom(),
                    allowed.x,
                    allowed.right(),
                    allowed.y,
                    allowed.bottom()
                ))
                .hint(advice),
        )
    }

    /// Converts Typst diagnostics into ours, mapping files to names a user
    /// recognises (and an inline body back into the campaign file).
    fn convert(&self, world: &dyn World, diags: &[SourceDiagnostic]) -> Vec<Diag> {
        diags
            .iter()
            .map(|d| {
                let mut diag = match d.severity {
                    typst::diag::Severity::Error => Diag::error(d.message.to_string()),
                    typst::diag::Severity::Warning => Diag::warning(d.message.to_string()),
                };
                if let Some((file, range)) = self.locate(world, d.span) {
                    diag = diag.at(&file, range);
                }
                for hint in &d.hints {
                    // Typst's CLI hints (`--root`) do not apply: the root is the campaign folder.
                    let text = if hint.v.contains("--root") {
                        "files must lie inside the campaign folder".to_string()
                    } else {
                        hint.v.to_string()
                    };
                    match self.locate(world, hint.span) {
                        Some((file, range)) => diag = diag.also(&file, range, &text),
                        None => diag = diag.hint(text),
                    }
                }
                for point in &d.trace {
                    if let Some((file, range)) = self.locate(world, point.span) {
                        let (line, col) = crate::diag::line_col(&file.text, range.start);
                        diag.notes.push(format!("{} at {}:{line}:{col}", point.v, file.name));
                    }
                }
                diag
            })
            .collect()
    }

    /// The file and byte range a Typst span points at.
    fn locate(
        &self,
        world: &dyn World,
        span: impl Into<typst::syntax::DiagSpan>,
    ) -> Option<(Arc<SourceFile>, std::ops::Range<usize>)> {
        let span = span.into();
        let id = span.id()?;
        let range = world.range(span)?;
        let vpath = id.vpath().get_with_slash().to_string();
        let inline = self
            .campaign
            .letter
            .bodies
            .values()
            .find(|b| b.inline && vpath == format!("/{}", b.rel));
        if let Some(offset) = inline.and_then(|b| b.inline_offset) {
            return Some((self.campaign.file.clone(), range.start + offset..range.end + offset));
        }
        let text = match world.source(id) {
            Ok(source) => source.text().to_string(),
            Err(_) => String::from_utf8_lossy(world.file(id).ok()?.as_slice()).into_owned(),
        };
        let name = if id == *DATA_ID {
            "data.json (letterpress)".to_string()
        } else if vpath.starts_with(&format!("/{TEMPLATE_DIR}/")) {
            self.base.name(id)
        } else {
            let dir = self.campaign.path.parent().map(|p| p.to_path_buf()).unwrap_or_default();
            dir.join(vpath.trim_start_matches('/')).display().to_string()
        };
        Some((Arc::new(SourceFile { name, text }), range))
    }
}

/// How diagnostics name a label sheet: `Avery L7160`.
fn sheet_name(sheet: &LabelSheet) -> String {
    sheet.name.split(':').next().unwrap_or(sheet.id).split(" / ").next().unwrap_or(sheet.id).into()
}

/// Where a printed line comes from in the campaign file: the first place in
/// the recipient's table that contains it (case-insensitive, since formats
/// upper-case some fields).
fn locate_text(
    source: &str,
    within: std::ops::Range<usize>,
    text: &str,
) -> Option<std::ops::Range<usize>> {
    // A `[[recipient]]` table's span may cover only its header: search on to
    // the next table header.
    let rest = source.get(within.start..)?;
    let end =
        rest.get(1..).and_then(|r| r.find("\n[")).map_or(source.len(), |i| within.start + i + 2);
    let within = within.start..end.max(within.end);
    let table = source.get(within.clone())?;
    let lower = table.to_lowercase();
    let needle = text.to_lowercase();
    // Lower-casing can change byte lengths (rarely); only trust equal lengths.
    if lower.len() != table.len() || needle.len() != text.len() {
        return table.find(text).map(|i| within.start + i..within.start + i + text.len());
    }
    lower.find(&needle).map(|i| within.start + i..within.start + i + text.len())
}

/// How many lines a block has: distinct baselines (rounded to 0.1 mm).
fn line_count(runs: &[&checks::Run]) -> usize {
    let mut bottoms: Vec<i64> = runs.iter().map(|r| (r.bbox.y * 2.0).round() as i64).collect();
    bottoms.sort_unstable();
    bottoms.dedup_by(|a, b| (*a - *b).abs() <= 3);
    bottoms.len()
}

/// The recipient field that contains a character, for glyph errors.
fn field_with(r: &Recipient, c: char) -> Option<&'static str> {
    let has = |s: Option<&str>| s.is_some_and(|s| s.contains(c));
    if has(r.name()) {
        Some("name")
    } else if has(r.role()) {
        Some("role")
    } else if has(r.organisation()) {
        Some("organisation")
    } else if r.salutation().contains(c) {
        Some("salutation")
    } else if r.address_lines.iter().any(|l| l.text.contains(c)) {
        Some("address")
    } else {
        None
    }
}

/// A UNIX timestamp as a UTC date and time.
fn epoch_datetime(secs: i64) -> Option<Datetime> {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = crate::civil::from_days(days);
    Datetime::from_ymd_hms(
        i32::try_from(year).ok()?,
        u8::try_from(month).ok()?,
        u8::try_from(day).ok()?,
        u8::try_from(rem / 3600).ok()?,
        u8::try_from(rem % 3600 / 60).ok()?,
        u8::try_from(rem % 60).ok()?,
    )
}

/// The geometry handed to the templates, and the areas the checks use.
fn geometry(c: &Campaign) -> (Value, Areas) {
    let (paper, layout, env) = (c.paper, &c.layout, &c.envelope);
    let field = layout.field;
    let zone = layout.recipient_zone();
    let visible = postal::always_visible(layout, paper, env, 0.0);
    let recipient_area = match visible {
        Some(v) => Rect::new(
            zone.x.max(v.x),
            zone.y.max(v.y),
            zone.right().min(v.right()) - zone.x.max(v.x),
            zone.bottom().min(v.bottom()) - zone.y.max(v.y),
        ),
        None => zone,
    };
    let return_area = Rect::new(field.x, field.y, field.w, layout.return_h);
    let reach = env.window.map(|w| postal::window_reach(layout, paper, env, w));
    // A double-window envelope shows the return address through its upper window.
    let sender_area =
        env.return_window.and_then(|w| postal::visible_through(layout, paper, env, w, 0.0));
    let sender_reach = env.return_window.map(|w| postal::window_reach(layout, paper, env, w));
    let text_x = field.x + layout.indent;
    let address_width = recipient_area.right() - text_x;
    let info = layout.info;
    let geometry = json!({
        "paper": { "id": paper.id, "w": paper.w, "h": paper.h },
        "layout": layout.id,
        "margin": { "left": layout.margin_x.0, "right": layout.margin_x.1, "top": TOP_MARGIN },
        "field": field,
        "return_h": layout.return_h,
        "indent": layout.indent,
        "address_width": address_width,
        "recipient_area": recipient_area,
        "sender_area": sender_area,
        "folds": layout.folds,
        "cross_fold": layout.cross_fold,
        "hole": layout.hole,
        "letterhead": { "x": layout.letterhead.x, "y": layout.letterhead.y, "w": layout.letterhead.w },
        "info": { "x": info.x, "y": info.y, "w": info.w },
        "body_top": layout.body_top,
        "envelope": envelope_geometry(env, "").0,
    });
    let areas = Areas {
        letter_recipient: recipient_area,
        letter_return: return_area,
        letter_sender: sender_area,
        letter_sender_reach: sender_reach,
        letter_window_reach: reach,
        envelope: postal::envelope_zones(env),
    };
    (geometry, areas)
}

/// The envelope's part of the geometry for a destination (ISO code), and
/// its zones: where the template puts the recipient and sender blocks.
pub fn envelope_geometry(env: &postal::Envelope, country: &str) -> (Value, postal::EnvelopeZones) {
    let zones = postal::zones_for(env, country);
    let read = zones.read;
    // The block starts 10 mm inside the zone, and no further left than
    // 140 mm from the right edge (UPU; postal.md §2.2), so it sits where
    // every operator's machines look.
    let x = read.x.max(env.w - 140.0) + 10.0;
    let recipient_block =
        Rect::new(x, read.y + 8.0, read.right() - x, read.bottom() - read.y - 8.0);
    let sender = zones.sender;
    let sender_block = Rect::new(10.0, 10.0, sender.w - 20.0, (sender.h - 14.0).max(8.0));
    let json = json!({
        "id": env.id,
        "w": env.w,
        "h": env.h,
        "window": env.window,
        "zones": zones,
        "recipient_block": recipient_block,
        "sender_block": sender_block,
    });
    (json, zones)
}

#[cfg(test)]
mod tests {
    use super::world::{Base, file_id};
    use std::collections::BTreeMap;
    use typst::diag::Warned;
    use typst::foundations::Bytes;
    use typst_layout::PagedDocument;

    /// The templates compile on their own, as stock `typst compile` would run
    /// them: project root `templates/`, the sample `data.json` and
    /// `sample-body.typ` next to them, and the fonts under `fonts/`.
    #[test]
    fn templates_compile_standalone_against_sample_data() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let data = std::fs::read(dir.join("data.json")).unwrap();
        let base = Base::new(dir.canonicalize().unwrap(), BTreeMap::new(), None);
        for (template, pages) in [("/letter.typ", 1..=3), ("/envelope.typ", 1..=1)] {
            let doc = base.doc(file_id(template), Bytes::new(data.clone()));
            let Warned { output, warnings } = typst::compile::<PagedDocument>(&doc);
            let document = output.unwrap_or_else(|e| panic!("{template}: {e:?}"));
            assert!(warnings.is_empty(), "{template}: {warnings:?}");
            assert!(pages.contains(&document.pages().len()), "{template}");
        }
    }

    /// The labels template compiles on its own against its sample data, as
    /// `typst compile --input labels=/labels.json labels.typ` runs it.
    #[test]
    fn labels_template_compiles_standalone_against_sample_data() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let data = std::fs::read(dir.join("labels.json")).unwrap();
        let base = Base::new(dir.canonicalize().unwrap(), BTreeMap::new(), None);
        let doc = base.doc(file_id("/labels.typ"), Bytes::new(data));
        let Warned { output, warnings } = typst::compile::<PagedDocument>(&doc);
        let document = output.unwrap_or_else(|e| panic!("labels.typ: {e:?}"));
        assert!(warnings.is_empty(), "labels.typ: {warnings:?}");
        assert_eq!(document.pages().len(), 1);
        let runs = super::checks::runs(&document.pages()[0].frame);
        for i in 0..2 {
            assert!(super::checks::labelled_bbox(&runs, &format!("lp-label-{i}")).is_some());
        }
    }

    /// The labels sample has exactly the shape letterpress hands the labels
    /// template.
    #[test]
    fn labels_sample_has_the_shape_letterpress_produces() {
        fn shape(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(map) => {
                    for (k, v) in map {
                        let p = format!("{path}.{k}");
                        out.push(p.clone());
                        shape(v, &p, out);
                    }
                }
                serde_json::Value::Array(items) => {
                    if let Some(first) = items.first() {
                        shape(first, &format!("{path}[]"), out);
                    }
                }
                _ => {}
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let campaign =
            crate::campaign::load(&root.join("campaigns/semenova-2018.toml"), &Default::default())
                .unwrap();
        let renderer = super::Renderer::new(&campaign, None);
        let recipients: Vec<_> = campaign.recipients.iter().take(2).collect();
        let live = renderer.labels_data(&crate::postal::labels::AVERY_L7160, &recipients);
        let text = std::fs::read_to_string(root.join("templates/labels.json")).unwrap();
        let sample: serde_json::Value = serde_json::from_str(&text).unwrap();
        let (mut a, mut b) = (vec![], vec![]);
        shape(&live, "", &mut a);
        shape(&sample, "", &mut b);
        assert_eq!(a, b, "templates/labels.json is out of step with Renderer::labels_data");
    }

    /// The data a packet's documents read is, byte for byte, the data
    /// `data_for` makes, for every recipient of the three campaigns in each
    /// envelope they can go in, and whichever recipient of a language and
    /// country came first (the shared parts are kept from the first).
    #[test]
    fn data_bytes_are_the_data_written_whole() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for name in ["semenova-2018.toml", "members.toml", "international.toml"] {
            let path = root.join("campaigns").join(name);
            let campaign = crate::campaign::load(&path, &Default::default()).unwrap();
            // The campaign's envelope, and the flat one a thick packet goes in.
            let flat = *crate::postal::envelope(campaign.envelope.flat).unwrap();
            assert_ne!(flat.id, campaign.envelope.id, "{name}");
            let envelopes = [campaign.envelope, flat];
            for order in [false, true] {
                let renderer = super::Renderer::new(&campaign, None);
                let mut recipients: Vec<_> = campaign.recipients.iter().collect();
                if order {
                    recipients.reverse();
                }
                for r in recipients {
                    for env in &envelopes {
                        let whole = serde_json::to_vec(&renderer.data_for(r, env)).unwrap();
                        let bytes = renderer.data_bytes(r, env);
                        assert_eq!(
                            String::from_utf8(bytes).unwrap(),
                            String::from_utf8(whole).unwrap(),
                            "{name}: {}",
                            r.id()
                        );
                    }
                }
            }
            assert!(campaign.recipients.len() >= 3, "{name}");
        }
    }

    /// The renderer hands the templates a worked-out address size where the
    /// font's metrics settle it, for the letter and for labels, each in its
    /// own box, and none where they do not. Elihanuly's six lines fit the
    /// letter's window at 10 pt, but his role is too long a line for a
    /// 57.5 mm label to be sure it does not wrap; the Prosecutor General's
    /// role is, for the window too; Jan Novák's short lines fit a label.
    #[test]
    fn the_data_carries_the_address_size_where_it_is_known() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let load = |name: &str| {
            crate::campaign::load(&root.join("campaigns").join(name), &Default::default()).unwrap()
        };
        let (reference, members) = (load("semenova-2018.toml"), load("members.toml"));
        let find = |c: &'_ crate::campaign::Campaign, id: &str| {
            c.recipients.iter().position(|r| r.id() == id).unwrap()
        };
        let sheet = &crate::postal::labels::AVERY_L7160;
        let renderer = super::Renderer::new(&reference, None);
        let elihanuly = &reference.recipients[find(&reference, "elihanuly")];
        let prosecutor = &reference.recipients[find(&reference, "kozhamzharov")];
        assert_eq!(renderer.data(elihanuly)["recipient"]["address_size"], 10.0);
        assert!(renderer.data(prosecutor)["recipient"]["address_size"].is_null());
        assert!(renderer.labels_data(sheet, &[elihanuly])["labels"][0]["address_size"].is_null());
        let renderer = super::Renderer::new(&members, None);
        let novak = &members.recipients[find(&members, "jan-novak")];
        assert_eq!(renderer.labels_data(sheet, &[novak])["labels"][0]["address_size"], 10.0);
    }

    /// The sample data has exactly the shape letterpress hands the templates,
    /// so a template that works against it works in a build.
    #[test]
    fn sample_data_has_the_shape_letterpress_produces() {
        fn shape(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
            if let serde_json::Value::Object(map) = v {
                for (k, v) in map {
                    let p = format!("{path}.{k}");
                    out.push(p.clone());
                    shape(v, &p, out);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let campaign =
            crate::campaign::load(&root.join("campaigns/semenova-2018.toml"), &Default::default())
                .unwrap();
        let renderer = super::Renderer::new(&campaign, None);
        let live = renderer.data(&campaign.recipients[2]);
        let text = std::fs::read_to_string(root.join("templates/data.json")).unwrap();
        let sample: serde_json::Value = serde_json::from_str(&text).unwrap();
        let (mut a, mut b) = (vec![], vec![]);
        shape(&live, "", &mut a);
        shape(&sample, "", &mut b);
        assert_eq!(
            a, b,
            "regenerate templates/data.json with `letterpress data` (see README.md, Templates)"
        );
    }
}
#[cfg(test)]
mod locate_tests {
    #[test]
    fn finds_a_line_in_a_recipient_table() {
        let src = "[[recipient]]\nname = \"A\"\naddress = { street = \"14 Long Street\" }\n[[recipient]]\nname = \"B\"\n";
        let r = super::locate_text(src, 0..13, "14 LONG STREET").unwrap();
        assert_eq!(&src[r], "14 Long Street");
    }
}
