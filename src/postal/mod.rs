//! Postal facts: paper, letter layouts, envelopes and their zones, in millimetres.
//!
//! Every number comes from `shared/reference/postal.md` (sections 1–3), which
//! names its sources. Coordinates have their origin at the top-left corner of
//! the sheet or envelope face, x to the right and y downwards.

pub mod address;
pub mod labels;
pub mod translit;

use std::borrow::Cow;

use serde::Serialize;

/// A rectangle in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// A rectangle from its left, top, width and height.
    pub const fn new(x: f64, y: f64, w: f64, h: f64) -> Self {
        Self { x, y, w, h }
    }

    /// The right edge.
    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    /// The bottom edge.
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
}

/// A sheet of paper.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Paper {
    /// The name used in campaign files (`a4`).
    pub id: &'static str,
    /// Width in mm.
    pub w: f64,
    /// Height in mm.
    pub h: f64,
}

/// The papers letterpress knows (ISO 216 and North American sizes).
pub const PAPERS: &[Paper] = &[
    Paper { id: "a4", w: 210.0, h: 297.0 },
    Paper { id: "a5", w: 148.0, h: 210.0 },
    Paper { id: "us-letter", w: 215.9, h: 279.4 },
    Paper { id: "us-legal", w: 215.9, h: 355.6 },
];

/// Where the address field sits on the first page, and how the sheet is folded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layout {
    /// The name used in campaign files (`din5008-b`).
    pub id: &'static str,
    /// A human description, with the standard it follows.
    pub name: &'static str,
    /// The paper this layout is drawn for.
    pub paper: &'static str,
    /// The whole address field (return line and recipient zone).
    pub field: Rect,
    /// Height of the return-address and notes zone at the top of the field.
    pub return_h: f64,
    /// Indent of the recipient text from the field's left edge.
    pub indent: f64,
    /// Fold marks, measured from the top of the sheet.
    pub folds: Cow<'static, [f64]>,
    /// Folded once more, in half across the width, after the folds above
    /// (a quarter fold: A4 into C6, US Letter into an A2 envelope).
    pub cross_fold: bool,
    /// The hole-punch mark, from the top.
    pub hole: Option<f64>,
    /// How far below the top of the folded packet the sheet's top edge sits
    /// (DIN form A: the 87 mm top panel sits 18 mm below the packet edge).
    pub packet_offset: f64,
    /// Body margins: left, right.
    pub margin_x: (f64, f64),
    /// The window envelope the layout is drawn for (an id in [`ENVELOPES`]).
    pub envelope: Option<&'static str>,
    /// Where the letterhead goes (x, y, width; the height is what it takes).
    pub letterhead: Rect,
    /// Where the information block (sender, contact, date) goes.
    pub info: Rect,
    /// Where the body starts, from the top of the first page.
    pub body_top: f64,
}

impl Layout {
    /// The recipient zone: the field below the return-address zone.
    pub fn recipient_zone(&self) -> Rect {
        Rect::new(
            self.field.x,
            self.field.y + self.return_h,
            self.field.w,
            self.field.h - self.return_h,
        )
    }

    /// The folded packet's size (width, height): the largest panel.
    pub fn packet(&self, paper: &Paper) -> (f64, f64) {
        let mut edges = vec![0.0];
        edges.extend_from_slice(&self.folds);
        edges.push(paper.h);
        let tallest = edges.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max);
        (if self.cross_fold { paper.w / 2.0 } else { paper.w }, tallest)
    }
}

impl Layout {
    /// A layout a campaign defines itself (`[campaign.layout]`). The letterhead,
    /// information block and body keep out of the field's way: the letterhead
    /// goes across the top (or beside a field that starts high up), the
    /// information block beside the field, the body below it.
    pub fn custom(
        paper: &'static Paper,
        field: Rect,
        return_h: f64,
        indent: f64,
        folds: Vec<f64>,
        hole: Option<f64>,
        envelope: Option<&'static str>,
    ) -> Self {
        let margin_x = (25.0, 20.0);
        let left_field = field.x + field.w / 2.0 < paper.w / 2.0;
        // Room beside the field for a column of the given width.
        let beside = |w: f64| {
            if left_field {
                let x = (paper.w - margin_x.1 - w).max(field.right() + 5.0);
                (paper.w - margin_x.1 - x >= 45.0).then_some((x, paper.w - margin_x.1 - x))
            } else {
                let w = w.min(field.x - 5.0 - margin_x.0);
                (w >= 45.0).then_some((margin_x.0, w))
            }
        };
        let full = paper.w - margin_x.0 - margin_x.1;
        let letterhead = match (field.y >= 30.0, beside(72.0)) {
            (true, _) | (false, None) => Rect::new(margin_x.0, 10.0, full, 0.0),
            (false, Some((x, w))) => Rect::new(x, 12.0, w, 0.0),
        };
        let (info, body_top) = match beside(65.0) {
            Some((x, w)) => {
                let y = if field.y >= 30.0 { field.y + 5.0 } else { 32.0 };
                (Rect::new(x, y, w, 0.0), (field.bottom() + 10.0).max(98.46))
            }
            // No room beside the field: the information block goes below it,
            // where the body starts (the template flows it before the body).
            None => (Rect::new(margin_x.0, field.bottom() + 5.0, full, 0.0), field.bottom() + 5.0),
        };
        Self {
            id: "custom",
            name: "the campaign's own layout ([campaign.layout])",
            paper: paper.id,
            field,
            return_h,
            indent,
            folds: Cow::Owned(folds),
            cross_fold: false,
            hole,
            packet_offset: 0.0,
            margin_x,
            envelope,
            letterhead,
            info,
            body_top,
        }
    }
}

/// DIN 5008 form B: field 20/45, 85 × 45, folds 105/210 (postal.md §3.1).
pub const DIN5008_B: Layout = Layout {
    id: "din5008-b",
    name: "DIN 5008 form B (window at 45 mm, for DL and C6/5 window envelopes)",
    paper: "a4",
    field: Rect::new(20.0, 45.0, 85.0, 45.0),
    return_h: 17.7,
    indent: 5.0,
    folds: Cow::Borrowed(&[105.0, 210.0]),
    cross_fold: false,
    hole: Some(148.5),
    packet_offset: 0.0,
    margin_x: (25.0, 20.0),
    envelope: Some("dl"),
    letterhead: Rect::new(25.0, 14.0, 165.0, 0.0),
    info: Rect::new(125.0, 50.0, 65.0, 0.0),
    body_top: 98.46,
};

/// DIN 5008 form A: field 20/27, 85 × 45, folds 87/192 (postal.md §3.1, §6).
pub const DIN5008_A: Layout = Layout {
    id: "din5008-a",
    name: "DIN 5008 form A (window at 27 mm, short letterhead)",
    paper: "a4",
    field: Rect::new(20.0, 27.0, 85.0, 45.0),
    return_h: 17.7,
    indent: 5.0,
    folds: Cow::Borrowed(&[87.0, 192.0]),
    cross_fold: false,
    hole: Some(148.5),
    packet_offset: 18.0,
    margin_x: (25.0, 20.0),
    envelope: Some("dl"),
    letterhead: Rect::new(25.0, 14.0, 165.0, 0.0),
    info: Rect::new(125.0, 32.0, 65.0, 0.0),
    body_top: 98.46,
};

/// SN 010130, right window (Switzerland): field 112/45, 90 × 45 with a 5 mm
/// return line, folds 105/210 (postal.md §3.1, KOMA `SN.lco`); text 1 mm
/// inside the field. The information block moves to the left, out of the
/// window's reach.
pub const SN010130_RIGHT: Layout = Layout {
    id: "sn010130-right",
    name: "Swiss SN 010130, right window (for DL/C5/6 right-window envelopes)",
    paper: "a4",
    field: Rect::new(112.0, 45.0, 90.0, 45.0),
    return_h: 5.0,
    indent: 1.0,
    folds: Cow::Borrowed(&[105.0, 210.0]),
    cross_fold: false,
    hole: Some(148.5),
    packet_offset: 0.0,
    margin_x: (25.0, 20.0),
    envelope: Some("dl-ch-right"),
    letterhead: Rect::new(25.0, 14.0, 165.0, 0.0),
    info: Rect::new(25.0, 50.0, 68.0, 0.0),
    body_top: 98.46,
};

/// SN 010130, left window (Switzerland): field 20/35.5, 100 × 45 with a 5 mm
/// return line, folds 105/210 (postal.md §3.1, KOMA `SNleft.lco`).
pub const SN010130_LEFT: Layout = Layout {
    id: "sn010130-left",
    name: "Swiss SN 010130, left window (for DL/C5/6 left-window envelopes)",
    paper: "a4",
    field: Rect::new(20.0, 35.5, 100.0, 45.0),
    return_h: 5.0,
    indent: 5.0,
    folds: Cow::Borrowed(&[105.0, 210.0]),
    cross_fold: false,
    hole: Some(148.5),
    packet_offset: 0.0,
    margin_x: (25.0, 20.0),
    envelope: Some("dl-ch-left"),
    letterhead: Rect::new(25.0, 12.0, 165.0, 0.0),
    info: Rect::new(125.0, 40.0, 65.0, 0.0),
    body_top: 98.46,
};

/// NF Z 11-001 (France), right window: field 100/35, 100 × 45 with a 5 mm
/// return line, text indented 10 mm, folds 99/198 (postal.md §3.1, §6; KOMA
/// `NF.lco`).
pub const NF_Z11_001: Layout = Layout {
    id: "nf-z11-001",
    name: "French NF Z 11-001, right window (for DL right-window envelopes)",
    paper: "a4",
    field: Rect::new(100.0, 35.0, 100.0, 45.0),
    return_h: 5.0,
    indent: 10.0,
    folds: Cow::Borrowed(&[99.0, 198.0]),
    cross_fold: false,
    hole: Some(148.5),
    packet_offset: 0.0,
    margin_x: (25.0, 20.0),
    envelope: Some("dl-fr"),
    letterhead: Rect::new(25.0, 12.0, 165.0, 0.0),
    info: Rect::new(25.0, 45.0, 60.0, 0.0),
    body_top: 98.46,
};

/// GOV.UK Notify's address field for C5 window envelopes: 24.6/39.5,
/// 95.4 × 26.8, recipient only, folded once at 148.5 (postal.md §3.1). The
/// text starts 1 mm inside the field, so letters that reach left of their
/// origin (J, W) stay inside.
pub const UK_C5: Layout = Layout {
    id: "uk-c5",
    name: "UK C5 window (GOV.UK Notify's address field, folded once)",
    paper: "a4",
    field: Rect::new(24.6, 39.5, 95.4, 26.8),
    return_h: 0.0,
    indent: 1.0,
    folds: Cow::Borrowed(&[148.5]),
    cross_fold: false,
    hole: None,
    packet_offset: 0.0,
    margin_x: (25.0, 20.0),
    envelope: Some("c5-uk"),
    letterhead: Rect::new(25.0, 6.0, 165.0, 0.0),
    info: Rect::new(125.0, 30.0, 65.0, 0.0),
    body_top: 98.46,
};

/// US Letter for a #10 single-window envelope: field 0.6875/2.1875 in,
/// 4.5 × 1.125 in, folds at 3.75 and 7.375 in (postal.md §3.1, KOMA
/// `UScommercial9.lco`; the taller first panel keeps the slack small, §6).
/// The text starts 1/4 in inside the field so it lies inside the window
/// (7/8 in from the envelope's left edge).
pub const US_WINDOW: Layout = Layout {
    id: "us-window",
    name: "US Letter for a #10 single-window envelope (tri-fold at 3.75 in)",
    paper: "us-letter",
    field: Rect::new(17.4625, 55.5625, 114.3, 28.575),
    return_h: 0.0,
    indent: 6.35,
    folds: Cow::Borrowed(&[95.25, 187.325]),
    cross_fold: false,
    hole: None,
    packet_offset: 0.0,
    margin_x: (25.4, 25.4),
    envelope: Some("us-10-window"),
    letterhead: Rect::new(25.4, 12.0, 165.1, 0.0),
    info: Rect::new(140.0, 56.0, 50.5, 0.0),
    body_top: 98.46,
};

/// US Letter for a #10 double-window envelope: the recipient field of
/// PostalMethods' #10 double-window guide (0.5/2.042 in, 3.5 × 0.875 in), the
/// return address printed where the top window shows it, folds at 3.75 and
/// 7.375 in (postal.md §3.1, §3.2, §6). The letterhead moves to the right,
/// out of both windows' reach.
pub const US_DOUBLE_WINDOW: Layout = Layout {
    id: "us-double-window",
    name: "US Letter for a #10 double-window envelope (return address in the top window)",
    paper: "us-letter",
    field: Rect::new(12.7, 51.87, 88.9, 22.2),
    return_h: 0.0,
    indent: 4.0,
    folds: Cow::Borrowed(&[95.25, 187.325]),
    cross_fold: false,
    hole: None,
    packet_offset: 0.0,
    margin_x: (25.4, 25.4),
    envelope: Some("us-10-double-window"),
    letterhead: Rect::new(122.0, 12.0, 68.5, 0.0),
    info: Rect::new(125.0, 50.0, 65.5, 0.0),
    body_top: 98.46,
};

/// Japanese A4 letter for a Chou 3 (長形3号) window envelope: field 22/12,
/// 90 × 45 with a 5 mm return line (postal.md §3.1, KOMA `NipponEL`), folded
/// in thirds (99/198, [D]). The letterhead and information block move to the
/// right, out of the window's reach.
pub const JP_CHOU3: Layout = Layout {
    id: "jp-chou3",
    name: "Japanese A4 for a Chou 3 (長形3号) window envelope, folded in thirds",
    paper: "a4",
    field: Rect::new(22.0, 12.0, 90.0, 45.0),
    return_h: 5.0,
    indent: 2.0,
    folds: Cow::Borrowed(&[99.0, 198.0]),
    cross_fold: false,
    hole: None,
    packet_offset: 0.0,
    margin_x: (25.0, 20.0),
    envelope: Some("chou3-window"),
    letterhead: Rect::new(118.0, 12.0, 72.0, 0.0),
    info: Rect::new(118.0, 30.0, 72.0, 0.0),
    body_top: 72.0,
};

/// A5 portrait for a C6 window envelope, folded once at 105 mm: DIN 5008's
/// address field (20/45, 85 × 45, 17.7 mm return zone) on the smaller sheet
/// [D]. No room beside the field at 148 mm: the information block goes
/// below it, in the body's flow. No hole mark: it would fall on the fold.
pub const DIN5008_A5: Layout = Layout {
    id: "din5008-a5",
    name: "A5 with DIN 5008's address field, folded once for a C6 window envelope",
    paper: "a5",
    field: Rect::new(20.0, 45.0, 85.0, 45.0),
    return_h: 17.7,
    indent: 5.0,
    folds: Cow::Borrowed(&[105.0]),
    cross_fold: false,
    hole: None,
    packet_offset: 0.0,
    margin_x: (25.0, 12.0),
    envelope: Some("c6-window"),
    letterhead: Rect::new(25.0, 12.0, 111.0, 0.0),
    info: Rect::new(25.0, 101.0, 111.0, 0.0),
    // Below the 99 mm the C6 window can reach when the sheet drops.
    body_top: 101.0,
};

/// US Legal folded in thirds (118.53/237.07 mm) into a plain #14 envelope
/// (5 × 11 1/2 in), which takes the folded sheet across: there is no window
/// envelope for Legal in thirds (postal.md §1.1, §6), so the address prints
/// on the envelope and, for the record, where the US window layout has it.
pub const US_LEGAL: Layout = Layout {
    id: "us-legal",
    name: "US Legal in thirds for a plain #14 envelope (the address prints on the envelope)",
    paper: "us-legal",
    field: Rect::new(17.4625, 55.5625, 114.3, 28.575),
    return_h: 0.0,
    indent: 6.35,
    folds: Cow::Borrowed(&[118.533, 237.067]),
    cross_fold: false,
    hole: None,
    packet_offset: 0.0,
    margin_x: (25.4, 25.4),
    envelope: None,
    letterhead: Rect::new(25.4, 12.0, 165.1, 0.0),
    info: Rect::new(140.0, 56.0, 50.5, 0.0),
    body_top: 98.46,
};

/// A4 folded in quarters (at 148.5 mm, then in half across) for a plain C6
/// envelope (postal.md §6: "A4 → C6, 2 folds crosswise"): DIN 5008 B's sheet
/// with the address printed on the envelope.
pub const A4_QUARTER: Layout = Layout {
    id: "a4-quarter",
    name: "A4 folded in quarters for a plain C6 envelope (the address prints on the envelope)",
    folds: Cow::Borrowed(&[148.5]),
    cross_fold: true,
    hole: None,
    envelope: None,
    ..DIN5008_B
};

/// US Letter folded in quarters (at 5 1/2 in, then in half across: 4 1/4 ×
/// 5 1/2 in) for a plain A2 envelope (4 3/8 × 5 3/4 in) [D]: the US window
/// layout's sheet with the address printed on the envelope.
pub const US_LETTER_QUARTER: Layout = Layout {
    id: "us-letter-quarter",
    name: "US Letter folded in quarters for a plain A2 envelope (the address prints on the envelope)",
    folds: Cow::Borrowed(&[139.7]),
    cross_fold: true,
    envelope: None,
    ..US_WINDOW
};

/// The letter layouts letterpress knows.
pub const LAYOUTS: &[Layout] = &[
    DIN5008_B,
    DIN5008_A,
    SN010130_RIGHT,
    SN010130_LEFT,
    NF_Z11_001,
    UK_C5,
    US_WINDOW,
    US_DOUBLE_WINDOW,
    JP_CHOU3,
    DIN5008_A5,
    US_LEGAL,
    A4_QUARTER,
    US_LETTER_QUARTER,
];

/// An envelope, address side up, long edge horizontal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Envelope {
    /// The name used in campaign files (`dl`).
    pub id: &'static str,
    /// Long side in mm.
    pub w: f64,
    /// Short side in mm.
    pub h: f64,
    /// The recipient window, if this is a window envelope.
    pub window: Option<Rect>,
    /// The upper window of a double-window envelope, for the return address.
    pub return_window: Option<Rect>,
    /// How many sheets it holds folded as its paper is folded for it ([D],
    /// documented defaults: 6 for DL and #10 as Lob tri-folds, more for
    /// envelopes that take the sheet flat or folded once).
    pub capacity: usize,
    /// The flat envelope of the same family a thicker packet goes into.
    pub flat: &'static str,
}

impl Envelope {
    const fn plain(id: &'static str, w: f64, h: f64, capacity: usize, flat: &'static str) -> Self {
        Self { id, w, h, window: None, return_window: None, capacity, flat }
    }

    const fn windowed(id: &'static str, w: f64, h: f64, window: Rect, flat: &'static str) -> Self {
        Self { id, w, h, window: Some(window), return_window: None, capacity: 6, flat }
    }

    /// An estimate of the envelope's weight in grams [D]: two faces of
    /// 90 g/m² paper plus 10 % for the flap and seams.
    pub fn grams(&self) -> f64 {
        self.w * self.h / 1e6 * 2.0 * 90.0 * 1.1
    }
}

/// 1 in in mm.
const IN: f64 = 25.4;

/// The envelopes letterpress knows (postal.md §1.1, windows §3.2).
pub const ENVELOPES: &[Envelope] = &[
    // ISO 269 / DIN 678.
    Envelope::windowed("dl", 220.0, 110.0, Rect::new(20.0, 50.0, 90.0, 45.0), "c4"),
    Envelope::windowed("c6/5", 229.0, 114.0, Rect::new(20.0, 54.0, 90.0, 45.0), "c4"),
    Envelope::plain("c5", 229.0, 162.0, 10, "c4"),
    Envelope::plain("c4", 324.0, 229.0, 60, "c4"),
    Envelope::plain("c6", 162.0, 114.0, 4, "c4"),
    // C6 window: DL's 90 × 45 window 20 mm from the left and 15 mm from the
    // bottom, as DIN 680 has it for C6/5 [D]. A5 folded once; thicker
    // packets go flat into a C5.
    Envelope::windowed("c6-window", 162.0, 114.0, Rect::new(20.0, 54.0, 90.0, 45.0), "c5"),
    Envelope::plain("b4", 353.0, 250.0, 100, "b4"),
    Envelope::plain("b5", 250.0, 176.0, 20, "b4"),
    // Swiss SN 010130 (older standard's window, 100 × 45, 12 mm from the right,
    // 21 mm from the bottom); the left window mirrors it at 20 mm from the
    // left and 30 mm from the bottom [D].
    Envelope::windowed("dl-ch-right", 220.0, 110.0, Rect::new(108.0, 44.0, 100.0, 45.0), "c4"),
    Envelope::windowed("dl-ch-left", 220.0, 110.0, Rect::new(20.0, 35.0, 100.0, 45.0), "c4"),
    // France: 100 × 45 about 20 mm from the lower right edge [S][?].
    Envelope::windowed("dl-fr", 220.0, 110.0, Rect::new(100.0, 45.0, 100.0, 45.0), "c4"),
    // UK C5 window [D]: 100 × 45 at 20/35, where Notify's field shows.
    Envelope {
        capacity: 10,
        ..Envelope::windowed("c5-uk", 229.0, 162.0, Rect::new(20.0, 35.0, 100.0, 45.0), "c4")
    },
    // North America (PWG 5101.1).
    Envelope::plain("us-9", 8.875 * IN, 3.875 * IN, 6, "9x12"),
    Envelope::plain("us-10", 9.5 * IN, 4.125 * IN, 6, "9x12"),
    Envelope::windowed(
        "us-10-window",
        9.5 * IN,
        4.125 * IN,
        Rect::new(0.875 * IN, 2.5 * IN, 4.5 * IN, 1.125 * IN),
        "9x12",
    ),
    Envelope {
        return_window: Some(Rect::new(0.625 * IN, 0.875 * IN, 3.25 * IN, 0.875 * IN)),
        ..Envelope::windowed(
            "us-10-double-window",
            9.5 * IN,
            4.125 * IN,
            Rect::new(0.625 * IN, 2.125 * IN, 4.0 * IN, 1.0 * IN),
            "9x12",
        )
    },
    Envelope::plain("us-11", 10.375 * IN, 4.5 * IN, 8, "9x12"),
    Envelope::plain("us-12", 11.0 * IN, 4.75 * IN, 8, "9x12"),
    Envelope::plain("us-14", 11.5 * IN, 5.0 * IN, 8, "10x13"),
    Envelope::plain("monarch", 7.5 * IN, 3.875 * IN, 5, "9x12"),
    Envelope::plain("6x9", 9.0 * IN, 6.0 * IN, 10, "9x12"),
    Envelope::plain("9x12", 12.0 * IN, 9.0 * IN, 60, "9x12"),
    Envelope::plain("10x13", 13.0 * IN, 10.0 * IN, 100, "10x13"),
    Envelope::plain("a2", 5.75 * IN, 4.375 * IN, 2, "9x12"),
    Envelope::plain("a6", 6.5 * IN, 4.75 * IN, 2, "9x12"),
    Envelope::plain("a7", 7.25 * IN, 5.25 * IN, 2, "9x12"),
    // Japan (JIS).
    Envelope::plain("chou3", 235.0, 120.0, 6, "kaku2"),
    Envelope::windowed("chou3-window", 235.0, 120.0, Rect::new(23.0, 13.0, 90.0, 45.0), "kaku2"),
    Envelope::plain("kaku2", 332.0, 240.0, 60, "kaku2"),
];

/// The zones of a plain envelope's address face (postal.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EnvelopeZones {
    /// Stamp or franking area, top right: keep clear.
    pub postage: Rect,
    /// Sender area, top left.
    pub sender: Rect,
    /// Where the recipient block must lie to be read by sorting machines.
    pub read: Rect,
    /// Bottom strip where operators print their sorting code: keep clear.
    pub code: Rect,
}

/// Zones every operator accepts: the UPU standardised letter (address at least
/// 40 mm from the top, 15 mm from the right and bottom, at most 140 mm from the
/// right) with Deutsche Post's 74 × 40 mm postage area and 150 × 15 mm code zone.
pub fn envelope_zones(env: &Envelope) -> EnvelopeZones {
    let read_left = (env.w - 140.0).max(15.0);
    EnvelopeZones {
        postage: Rect::new(env.w - 74.0, 0.0, 74.0, 40.0),
        sender: Rect::new(0.0, 0.0, env.w - 74.0, 40.0),
        read: Rect::new(read_left, 40.0, env.w - 15.0 - read_left, env.h - 40.0 - 15.0),
        code: Rect::new((env.w - 150.0).max(0.0), env.h - 15.0, env.w.min(150.0), 15.0),
    }
}

/// The part of the sheet that stays visible through the window however the
/// folded sheet shifts inside the envelope (postal.md §3.3), less the clearance.
pub fn always_visible(
    layout: &Layout,
    paper: &Paper,
    env: &Envelope,
    clearance: f64,
) -> Option<Rect> {
    visible_through(layout, paper, env, env.window?, clearance)
}

/// The part of the sheet that stays visible through a window of the envelope
/// (the recipient window, or a double-window envelope's return window).
pub fn visible_through(
    layout: &Layout,
    paper: &Paper,
    env: &Envelope,
    window: Rect,
    clearance: f64,
) -> Option<Rect> {
    let (slack_x, slack_y) = slack(layout, paper, env);
    let x0 = window.x + clearance;
    let x1 = window.right() - clearance - slack_x;
    // Sheet y = packet y − offset of the sheet's top edge inside the packet.
    let y0 = window.y + clearance - layout.packet_offset;
    let y1 = window.bottom() - clearance - slack_y - layout.packet_offset;
    (x1 > x0 && y1 > y0).then(|| Rect::new(x0, y0, x1 - x0, y1 - y0))
}

/// What of the sheet can ever appear in a window: the window widened by the
/// slack the folded packet has in the envelope.
pub fn window_reach(layout: &Layout, paper: &Paper, env: &Envelope, window: Rect) -> Rect {
    let (sx, sy) = slack(layout, paper, env);
    Rect::new(window.x - sx, window.y - sy - layout.packet_offset, window.w + sx, window.h + sy)
}

/// How far the folded packet can move inside the envelope (x, y).
fn slack(layout: &Layout, paper: &Paper, env: &Envelope) -> (f64, f64) {
    let (pw, ph) = layout.packet(paper);
    ((env.w - pw).max(0.0), (env.h - ph).max(0.0))
}

/// Whether the folded packet fits into the envelope (with 1 mm to spare
/// against rounding in the tables). A plain envelope may take it turned by a
/// quarter (a flat A4 sheet goes into a C4 upright); a window envelope only
/// as drawn, address side to the window.
pub fn packet_fits(layout: &Layout, paper: &Paper, env: &Envelope) -> bool {
    let (pw, ph) = layout.packet(paper);
    let fits = |w: f64, h: f64| w <= env.w + 1.0 && h <= env.h + 1.0;
    fits(pw, ph) || (env.window.is_none() && fits(ph, pw))
}

/// Zones of a plain envelope for mail to the United States (postal.md §2.1):
/// the USPS OCR read area (1/2 in from the sides, from 5/8 in to 2 3/4 in
/// above the bottom edge), the barcode clear zone (bottom 5/8 in, right
/// 4 3/4 in), the 74 × 40 mm postage area, and the return address above the
/// read area.
pub fn usps_zones(env: &Envelope) -> EnvelopeZones {
    let top = (env.h - 2.75 * IN).max(0.0);
    let bottom = env.h - 0.625 * IN;
    EnvelopeZones {
        postage: Rect::new(env.w - 74.0, 0.0, 74.0, 40.0),
        sender: Rect::new(0.0, 0.0, env.w - 74.0, top.min(40.0)),
        read: Rect::new(0.5 * IN, top, env.w - IN, bottom - top),
        code: Rect::new((env.w - 4.75 * IN).max(0.0), bottom, env.w.min(4.75 * IN), 0.625 * IN),
    }
}

/// The zones of a plain envelope for mail to a country (ISO code): USPS's
/// for the United States, the UPU and Deutsche Post zones elsewhere.
pub fn zones_for(env: &Envelope, country: &str) -> EnvelopeZones {
    if country == "US" { usps_zones(env) } else { envelope_zones(env) }
}

/// The envelope a paper folded for a layout goes into when the campaign names
/// none: the layout's window envelope, else by paper and fold (A4 in thirds
/// → DL, folded once → C5, flat → C4; US Letter tri-folded → #10, folded once
/// → 6 × 9, flat → 9 × 12, in quarters → A2; A4 in quarters → C6; A5 folded
/// once → C6, flat → C5; US Legal in thirds
/// → #14; a flat Legal sheet fits none of the table's envelopes).
pub fn default_envelope(layout: &Layout, paper: &Paper) -> Option<&'static Envelope> {
    if let Some(id) = layout.envelope {
        return envelope(id);
    }
    if layout.cross_fold {
        let id = match paper.id {
            "a4" => "c6",
            "us-letter" => "a2",
            _ => return None,
        };
        return envelope(id).filter(|env| packet_fits(layout, paper, env));
    }
    let id = match (paper.id, layout.folds.len()) {
        ("a4", 2) => "dl",
        ("a4", 1) => "c5",
        ("a4", _) => "c4",
        ("us-letter", 2) => "us-10",
        ("us-letter", 1) => "6x9",
        ("us-letter", _) => "9x12",
        ("a5", 1) => "c6",
        ("a5", _) => "c5",
        ("us-legal", 2) => "us-14",
        _ => return None,
    };
    envelope(id).filter(|env| packet_fits(layout, paper, env))
}

/// The layout a paper gets when the campaign names none.
pub fn default_layout(paper: &Paper) -> Option<&'static Layout> {
    match paper.id {
        "a4" => layout("din5008-b"),
        "us-letter" => layout("us-window"),
        "a5" => layout("din5008-a5"),
        "us-legal" => layout("us-legal"),
        _ => None,
    }
}

/// The postage steps the operators price by, in grams (UPU and most posts:
/// 20, 50, 100, 250, 500, 1000, 2000 g).
pub const WEIGHT_STEPS: &[f64] = &[20.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2000.0];

/// The step a weight falls into (`≤20 g`), or `>2000 g`.
pub fn weight_step(grams: f64) -> String {
    match WEIGHT_STEPS.iter().find(|step| grams <= **step) {
        Some(step) => format!("≤{step} g"),
        None => format!(">{} g", WEIGHT_STEPS[WEIGHT_STEPS.len() - 1]),
    }
}

/// One sheet's weight in grams.
pub fn sheet_grams(paper: &Paper, grams_per_m2: f64) -> f64 {
    paper.w * paper.h / 1e6 * grams_per_m2
}

/// Looks a paper up by name.
pub fn paper(id: &str) -> Option<&'static Paper> {
    PAPERS.iter().find(|p| p.id == id)
}

/// Looks a layout up by name.
pub fn layout(id: &str) -> Option<&'static Layout> {
    LAYOUTS.iter().find(|l| l.id == id)
}

/// Looks an envelope up by name.
pub fn envelope(id: &str) -> Option<&'static Envelope> {
    ENVELOPES.iter().find(|e| e.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn din_form_b_in_dl_matches_worked_vector() {
        let a4 = paper("a4").unwrap();
        let dl = envelope("dl").unwrap();
        let v = always_visible(&DIN5008_B, a4, dl, 0.0).unwrap();
        assert_eq!((v.x, v.right(), v.y, v.bottom()), (20.0, 100.0, 50.0, 90.0));
        assert!((DIN5008_B.recipient_zone().y - 62.7).abs() < 1e-9);
    }

    #[test]
    fn din_form_b_in_c6_5_matches_worked_vector() {
        let a4 = paper("a4").unwrap();
        let env = envelope("c6/5").unwrap();
        let v = always_visible(&DIN5008_B, a4, env, 0.0).unwrap();
        assert_eq!((v.x, v.right(), v.y, v.bottom()), (20.0, 91.0, 54.0, 90.0));
    }

    #[test]
    fn din_form_a_lands_where_form_b_does() {
        // Sheet y 27–72 of form A lands at packet y 45–90 (postal.md §6).
        let a4 = paper("a4").unwrap();
        let dl = envelope("dl").unwrap();
        let v = always_visible(&DIN5008_A, a4, dl, 0.0).unwrap();
        assert_eq!((v.y, v.bottom()), (32.0, 72.0));
    }

    #[test]
    fn dl_zones_match_deutsche_post() {
        let z = envelope_zones(envelope("dl").unwrap());
        assert_eq!(z.postage, Rect::new(146.0, 0.0, 74.0, 40.0));
        assert_eq!(z.code, Rect::new(70.0, 95.0, 150.0, 15.0));
        assert_eq!(z.read, Rect::new(80.0, 40.0, 125.0, 55.0));
    }

    #[test]
    fn every_layout_has_an_envelope_its_packet_fits() {
        for l in LAYOUTS {
            let paper = paper(l.paper).unwrap();
            let Some(env) = l.envelope.and_then(envelope) else {
                // US Legal in thirds and the quarter folds have no window
                // envelope: they get the plain one their fold calls for.
                assert!(["us-legal", "a4-quarter", "us-letter-quarter"].contains(&l.id));
                let env = default_envelope(l, paper).unwrap();
                assert!(env.window.is_none() && packet_fits(l, paper, env), "{}", l.id);
                continue;
            };
            assert!(env.window.is_some(), "{}", l.id);
            assert!(packet_fits(l, paper, env), "{}", l.id);
            assert!(always_visible(l, paper, env, 0.0).is_some(), "{}", l.id);
        }
        for e in ENVELOPES {
            assert!(envelope(e.flat).is_some_and(|f| f.window.is_none()), "{}", e.id);
        }
    }

    #[test]
    fn us_windows_match_postal_md() {
        // postal.md §7: US10_single_std and LOB_10_DW (inches × 25.4).
        let same = |r: Rect, x: f64, y: f64, w: f64, h: f64| {
            [(r.x, x), (r.y, y), (r.w, w), (r.h, h)].iter().all(|(a, b)| (a - b).abs() < 1e-9)
        };
        let w = envelope("us-10-window").unwrap().window.unwrap();
        assert!(same(w, 22.225, 63.5, 114.3, 28.575), "{w:?}");
        let dw = envelope("us-10-double-window").unwrap();
        let (b, t) = (dw.window.unwrap(), dw.return_window.unwrap());
        assert!(same(b, 15.875, 53.975, 101.6, 25.4), "{b:?}");
        assert!(same(t, 15.875, 22.225, 82.55, 22.225), "{t:?}");
        let no10 = envelope("us-10").unwrap();
        assert!(same(Rect::new(0.0, 0.0, no10.w, no10.h), 0.0, 0.0, 241.3, 104.775));
    }

    #[test]
    fn weight_steps() {
        assert_eq!(weight_step(9.8), "≤20 g");
        assert_eq!(weight_step(20.0), "≤20 g");
        assert_eq!(weight_step(20.1), "≤50 g");
        assert_eq!(weight_step(2500.0), ">2000 g");
        assert!((sheet_grams(paper("a4").unwrap(), 80.0) - 4.9896).abs() < 1e-9);
    }
}
