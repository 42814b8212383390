//! The size of a letter's address block, worked out from the font's metrics
//! where they settle it, so that the template need not measure the block.
//!
//! `fit-address` (templates/common.typ) sets the address in the first of its
//! sizes at which the block's height plus 0.7 em of ink fits the window. It
//! finds that size by measuring the block, and a measurement is a layout of
//! its own: ~5 % of a packet's work, more for a long address that takes a
//! second or third try. When every character is in Noto Sans and no line
//! comes near the width where it could wrap, each line is one line and the
//! block's height is a sum of font metrics (Typst's lines reach from the cap
//! height to the baseline), so the size follows from arithmetic. The template
//! takes a size it is given and measures only when it is given none: for a
//! character Noto Sans lacks (another font's metrics would decide), a long
//! line, or a height within [`SLACK`] of a size's limit.
//!
//! The constants repeat the template's; a test lays out addresses at each
//! boundary both ways and requires the same PDF.

use ttf_parser::Face;

use super::world::FONTS;
use crate::postal::address::LineRef;

/// The font the templates set addresses in.
const FONT: &str = "NotoSans-Regular.ttf";
/// `fit-address`'s sizes (pt), largest first; the last is used when none fits.
const SIZES: [f64; 5] = [10.0, 9.5, 9.0, 8.5, 8.0];
/// `fit-address`'s leading (em).
const LEADING: f64 = 0.42;
/// The ink `first-fit` keeps free beyond the block (em).
const INK: f64 = 0.7;
/// A line this share of the width or less is one line whatever kerning and
/// ligatures do; a longer one is left to the measurement.
const WIDTH_SHARE: f64 = 0.8;
/// How far (pt) the computed height must be from a size's limit to decide
/// without measuring. The arithmetic is Typst's own (the test lays every size
/// out less than 0.02 pt inside its limit and gets the measured size), so this
/// only keeps rounding out: a seven-line address in a DIN 5008 B window needs
/// 73.96 pt at 9 pt of the 73.98 there are.
const SLACK: f64 = 0.01;
const PT_PER_MM: f64 = 72.0 / 25.4;
/// The air (mm) letter.typ and labels.typ keep above the address.
pub const AIR: f64 = 1.2;

/// Noto Sans's metrics, read once per build.
pub struct AddressFit {
    face: Face<'static>,
    /// Units per em.
    units: f64,
    /// Cap height (em).
    cap: f64,
    /// Whether the font has the word joiner the template puts after a
    /// hyphen in a line that must not wrap (without it, another font would
    /// set that character).
    joiner: bool,
}

impl AddressFit {
    /// The metrics, or `None` if the built-in font cannot be read (then
    /// every address is measured).
    pub fn new() -> Option<Self> {
        let (_, data) = FONTS.iter().find(|(name, _)| *name == FONT)?;
        let face = Face::parse(data, 0).ok()?;
        let units = f64::from(face.units_per_em());
        let cap = f64::from(face.capital_height().filter(|&h| h > 0)?) / units;
        let joiner = face.glyph_index('\u{2060}').is_some();
        Some(Self { face, units, cap, joiner })
    }

    /// The size (pt) `fit-address` would choose for `lines` in a box of
    /// `width` × `height` mm, or `None` where only measuring can tell.
    pub fn size<'a>(
        &self,
        lines: impl IntoIterator<Item = LineRef<'a>>,
        width: f64,
        height: f64,
    ) -> Option<f64> {
        let mut count = 0u32;
        let mut widest = 0u64;
        for line in lines {
            if line.text.trim().is_empty() {
                return None;
            }
            let mut advance = 0u64;
            for c in line.text.chars() {
                // What the template sets for a line that must not wrap.
                let c = if !line.wrap && c == ' ' { '\u{a0}' } else { c };
                if !line.wrap && c == '-' && !self.joiner {
                    return None;
                }
                advance += u64::from(self.advance(c)?);
            }
            widest = widest.max(advance);
            count += 1;
        }
        if count == 0 {
            return None;
        }
        let (width, height) = (width * PT_PER_MM, height * PT_PER_MM);
        if widest as f64 / self.units * SIZES[0] > WIDTH_SHARE * width {
            return None;
        }
        let n = f64::from(count);
        for size in SIZES {
            let needed = (n * self.cap + (n - 1.0) * LEADING + INK) * size;
            if needed + SLACK <= height {
                return Some(size);
            }
            if needed - SLACK <= height {
                return None;
            }
        }
        SIZES.last().copied()
    }

    /// The advance of `c`'s glyph in font units, if the font has one.
    fn advance(&self, c: char) -> Option<u32> {
        let glyph = self.face.glyph_index(c)?;
        self.face.glyph_hor_advance(glyph).map(u32::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postal::address::{Line, Lines};
    use crate::render::world::{Base, file_id};
    use serde_json::{Value, json};
    use typst::foundations::Bytes;
    use typst_layout::PagedDocument;

    fn lines(texts: &[(&str, bool)]) -> Lines {
        texts.iter().map(|&(text, wrap)| Line { text: text.to_string(), wrap }).collect()
    }

    /// The DIN 5008 B window the sample data uses: 75 mm wide, 26.1 mm high
    /// below the air kept above the address.
    const W: f64 = 75.0;
    const H: f64 = 27.3 - AIR;

    #[test]
    fn short_latin_and_cyrillic_addresses_are_set_at_ten_points() {
        let fit = AddressFit::new().unwrap();
        let de =
            lines(&[("Anna Müller", true), ("Dr.-Külz-Ring 19", false), ("01067 Dresden", false)]);
        assert_eq!(fit.size(de.iter(), W, H), Some(10.0));
        let ru = lines(&[
            ("Татьяна Соловьёва", true),
            ("ул. Тверская, д. 13", false),
            ("Москва", false),
            ("125009", false),
            ("RUSSIA", false),
        ]);
        assert_eq!(fit.size(ru.iter(), W, H), Some(10.0));
    }

    #[test]
    fn seven_and_eight_lines_take_smaller_sizes() {
        let fit = AddressFit::new().unwrap();
        let seven = lines(&[("A", true); 7]);
        let eight = lines(&[("A", true); 8]);
        // 7 lines need 82.18 pt at 10 pt, 78.07 at 9.5 and 73.96 at 9: the
        // window has 73.98 pt. Within 0.01 pt of 73.96 only measuring tells.
        assert_eq!(fit.size(seven.iter(), W, H), Some(9.0));
        let limit = 8.218 * 9.0 / PT_PER_MM;
        assert_eq!(fit.size(seven.iter(), W, limit + 0.001), None);
        assert_eq!(fit.size(seven.iter(), W, limit - 0.001), None);
        assert_eq!(fit.size(seven.iter(), W, limit + 0.01), Some(9.0));
        assert_eq!(fit.size(seven.iter(), W, limit - 0.01), Some(8.5));
        // 8 lines need 84.2 pt at 9 pt, 79.5 at 8.5, 74.8 at 8: none fits a
        // 71.2 pt window, and the last size is the answer.
        assert_eq!(fit.size(eight.iter(), W, H - 1.0), Some(8.0));
    }

    #[test]
    fn long_lines_other_scripts_and_empty_blocks_are_left_to_the_measurement() {
        let fit = AddressFit::new().unwrap();
        let long = lines(&[("General Prosecutor of the Republic of Kazakhstan", true)]);
        assert_eq!(fit.size(long.iter(), W, H), None);
        assert_eq!(fit.size(long.iter(), 2.0 * W, H), Some(10.0));
        for text in ["東京都千代田区", "שלום", "مرحبا", "a\tb"] {
            assert_eq!(fit.size(lines(&[(text, false)]).iter(), W, H), None, "{text}");
        }
        assert_eq!(fit.size(lines(&[]).iter(), W, H), None);
        assert_eq!(fit.size(lines(&[("A", true), (" ", false)]).iter(), W, H), None);
    }

    /// The PDF of a letter (`letter.typ` and its sample data) or a label
    /// sheet (`labels.typ` and its sample, first label only) for an address
    /// in a box of `box_` mm at a given size or none (then the template
    /// measures).
    fn pdf(
        base: &Base,
        template: &str,
        sample: &Value,
        lines: &[(&str, bool)],
        box_: (f64, f64),
        size: Option<f64>,
    ) -> Vec<u8> {
        let mut data = sample.clone();
        let address: Vec<Value> =
            lines.iter().map(|&(text, wrap)| json!({ "text": text, "wrap": wrap })).collect();
        let item = if template == "letter" {
            data["geometry"]["address_width"] = json!(box_.0);
            data["geometry"]["recipient_area"]["h"] = json!(box_.1 + AIR);
            &mut data["recipient"]
        } else {
            data["labels"].as_array_mut().unwrap().truncate(1);
            let label = &mut data["labels"][0];
            label["area"]["w"] = json!(box_.0);
            label["area"]["h"] = json!(box_.1 + AIR);
            label
        };
        item["address"] = json!(address);
        item["address_size"] = json!(size);
        let main = file_id(&format!("/{template}.typ"));
        let doc = base.doc(main, Bytes::new(serde_json::to_vec(&data).unwrap()));
        let document = typst::compile::<PagedDocument>(&doc).output.unwrap();
        typst_pdf::pdf(&document, &Default::default()).unwrap()
    }

    /// Wherever a size is worked out, the letter and the label are the ones
    /// measuring gives, to the byte. The windows tried are the tightest the
    /// arithmetic accepts for each size and line count (just above each
    /// boundary it draws), at the sample's width and at the narrowest it
    /// accepts.
    #[test]
    fn a_worked_out_size_gives_the_pdf_that_measuring_gives() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let base = Base::new(dir.canonicalize().unwrap(), Default::default(), None);
        let sample = |name: &str| -> Value {
            serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap()
        };
        let samples = [("letter", sample("data.json")), ("labels", sample("labels.json"))];
        let fit = AddressFit::new().unwrap();
        let pool = [
            ("Ñandú Éxito-Ångström", true),
            ("Deputy of the Mazhilis", true),
            ("Kaiser-Friedrich-Straße 7", false),
            ("ул. Желтоксан, д. 115", false),
            ("Жанар Сәрсенбаева", true),
            ("010000 ASTANA", false),
            ("Qaraǵandy oblysy", false),
            ("KAZAKHSTAN", false),
        ];
        let mut cases = vec![];
        for n in 1..=pool.len() {
            let lines = &pool[..n];
            let sized =
                |w, h| fit.size(lines.iter().map(|&(text, wrap)| LineRef { text, wrap }), w, h);
            // The narrowest window these lines are taken in without measuring
            // (a line may wrap there if the arithmetic is wrong), and the
            // sample's width; in each, the tightest height for each size:
            // where the answer turns from none (too close to call) to a size.
            let narrowest = (0..4000)
                .map(|step| 10.0 + 0.02 * f64::from(step))
                .find(|&w| sized(w, 60.0).is_some());
            for w in narrowest.into_iter().chain([W]) {
                let mut before = None;
                // Steps of 0.002 mm (0.006 pt) find every none between two
                // sizes (2 × SLACK wide).
                for step in 0..20_000 {
                    let h = 5.0 + 0.002 * f64::from(step);
                    let now = sized(w, h);
                    if before.is_none() && now.is_some() {
                        cases.push((lines, (w, h), now));
                    }
                    before = now;
                }
            }
        }
        for size in SIZES {
            assert!(cases.iter().any(|c| c.2 == Some(size)), "no case at {size} pt");
        }
        for (lines, box_, size) in &cases {
            for (template, sample) in &samples {
                assert_eq!(
                    pdf(&base, template, sample, lines, *box_, *size),
                    pdf(&base, template, sample, lines, *box_, None),
                    "{template}: {} lines in {box_:?} at {size:?} pt",
                    lines.len()
                );
            }
        }
        assert!(cases.len() >= 60, "only {} cases", cases.len());
    }
}
