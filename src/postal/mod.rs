//! Postal facts: paper, letter layouts, envelopes and their zones, in millimetres.
//!
//! Every number comes from `shared/reference/postal.md` (sections 1–3), which
//! names its sources. Coordinates have their origin at the top-left corner of
//! the sheet or envelope face, x to the right and y downwards.

pub mod address;
pub mod labels;
pub mod translit;

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
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
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
    pub folds: &'static [f64],
    /// The hole-punch mark, from the top.
    pub hole: Option<f64>,
    /// How far below the top of the folded packet the sheet's top edge sits
    /// (DIN form A: the 87 mm top panel sits 18 mm below the packet edge).
    pub packet_offset: f64,
    /// Body margins: left, right.
    pub margin_x: (f64, f64),
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
        edges.extend_from_slice(self.folds);
        edges.push(paper.h);
        let tallest = edges.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max);
        (paper.w, tallest)
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
    folds: &[105.0, 210.0],
    hole: Some(148.5),
    packet_offset: 0.0,
    margin_x: (25.0, 20.0),
};

/// DIN 5008 form A: field 20/27, 85 × 45, folds 87/192 (postal.md §3.1, §6).
pub const DIN5008_A: Layout = Layout {
    id: "din5008-a",
    name: "DIN 5008 form A (window at 27 mm, short letterhead)",
    paper: "a4",
    field: Rect::new(20.0, 27.0, 85.0, 45.0),
    return_h: 17.7,
    indent: 5.0,
    folds: &[87.0, 192.0],
    hole: Some(148.5),
    packet_offset: 18.0,
    margin_x: (25.0, 20.0),
};

/// The letter layouts letterpress knows.
pub const LAYOUTS: &[Layout] = &[DIN5008_B, DIN5008_A];

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
}

/// The envelopes letterpress knows (postal.md §1.1, windows §3.2).
pub const ENVELOPES: &[Envelope] = &[
    Envelope { id: "dl", w: 220.0, h: 110.0, window: Some(Rect::new(20.0, 50.0, 90.0, 45.0)) },
    Envelope { id: "c6/5", w: 229.0, h: 114.0, window: Some(Rect::new(20.0, 54.0, 90.0, 45.0)) },
    Envelope { id: "c5", w: 229.0, h: 162.0, window: None },
    Envelope { id: "c4", w: 324.0, h: 229.0, window: None },
    Envelope { id: "c6", w: 162.0, h: 114.0, window: None },
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
    let window = env.window?;
    let (pw, ph) = layout.packet(paper);
    let slack_x = (env.w - pw).max(0.0);
    let slack_y = (env.h - ph).max(0.0);
    let x0 = window.x + clearance;
    let x1 = window.right() - clearance - slack_x;
    // Sheet y = packet y − offset of the sheet's top edge inside the packet.
    let y0 = window.y + clearance - layout.packet_offset;
    let y1 = window.bottom() - clearance - slack_y - layout.packet_offset;
    (x1 > x0 && y1 > y0).then(|| Rect::new(x0, y0, x1 - x0, y1 - y0))
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
}
