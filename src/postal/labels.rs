//! Address-label sheets: where each label lies on its sheet, in millimetres.
//!
//! A label sheet is a grid of die-cut labels. Every number below is the
//! manufacturer's geometry as published in its templates; the sources are
//! named at each sheet. Coordinates, as in the rest of [`crate::postal`], have
//! their origin at the sheet's top-left corner, x to the right, y downwards.
//!
//! Inside each label the address keeps a *safe margin* clear: sheet-fed
//! printers register a sheet to within about 1 mm, and die-cuts drift by as
//! much again, so ink printed up to the cut lands on the backing sheet or on
//! the neighbouring label.

use serde::Serialize;

use super::Rect;

/// One inch in millimetres.
const INCH: f64 = 25.4;

/// A sheet of address labels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LabelSheet {
    /// The name used in campaign files (`avery-l7160`).
    pub id: &'static str,
    /// A human description.
    pub name: &'static str,
    /// Sheet width in mm.
    pub w: f64,
    /// Sheet height in mm.
    pub h: f64,
    /// Labels across.
    pub columns: usize,
    /// Labels down.
    pub rows: usize,
    /// One label's width in mm.
    pub label_w: f64,
    /// One label's height in mm.
    pub label_h: f64,
    /// Left edge of the first column, from the sheet's left edge.
    pub left: f64,
    /// Top edge of the first row, from the sheet's top edge.
    pub top: f64,
    /// From one column's left edge to the next one's.
    pub pitch_x: f64,
    /// From one row's top edge to the next one's.
    pub pitch_y: f64,
    /// Ink-free margin inside each label: left and right.
    pub safe_x: f64,
    /// Ink-free margin inside each label: top and bottom.
    pub safe_y: f64,
}

impl LabelSheet {
    /// Labels on one sheet.
    pub const fn per_sheet(&self) -> usize {
        self.columns * self.rows
    }

    /// The label at a position on its sheet (0-based, row by row, left to
    /// right): the die-cut rectangle.
    pub fn cell(&self, index: usize) -> Rect {
        let i = index % self.per_sheet();
        let (row, col) = (i / self.columns, i % self.columns);
        Rect::new(
            self.left + col as f64 * self.pitch_x,
            self.top + row as f64 * self.pitch_y,
            self.label_w,
            self.label_h,
        )
    }

    /// The part of a label the address may print in: the cell less the safe
    /// margin on every side.
    pub fn safe_area(&self, index: usize) -> Rect {
        let c = self.cell(index);
        Rect::new(
            c.x + self.safe_x,
            c.y + self.safe_y,
            c.w - 2.0 * self.safe_x,
            c.h - 2.0 * self.safe_y,
        )
    }
}

/// Avery L7160 (also J8160): A4, 3 × 7 labels of 63.5 × 38.1 mm.
///
/// Pitch 66.0 × 38.1 mm, first label 7.25 mm from the left and 15.15 mm from
/// the top: a grid centred on the sheet with 2.5 mm between columns and none
/// between rows (2 × 15.15 + 7 × 38.1 = 297; 2 × 7.25 + 3 × 63.5 + 2 × 2.5 =
/// 210). Sources: Avery's L7160 template as measured and published in
/// open-source label code (top 15.15 mm, pitch 66.04 mm, grid centred, so
/// left 7.21 mm); an L7160-compatible layout elsewhere with margins 15.15 mm
/// top and bottom, 7.25 mm left and right, 2.5 mm between columns; gLabels'
/// `templates/avery-iso-templates.xml`, part 7160 (x0 21.2 pt = 7.48 mm,
/// y0 43.9 pt = 15.49 mm, dx 187.2 pt = 66.04 mm, dy 108 pt = 38.1 mm). The
/// sources differ by at most 0.35 mm, well inside the 3 mm safe margin.
pub const AVERY_L7160: LabelSheet = LabelSheet {
    id: "avery-l7160",
    name: "Avery L7160 / J8160: A4, 21 labels of 63.5 × 38.1 mm (3 × 7)",
    w: 210.0,
    h: 297.0,
    columns: 3,
    rows: 7,
    label_w: 63.5,
    label_h: 38.1,
    left: 7.25,
    top: 15.15,
    pitch_x: 66.0,
    pitch_y: 38.1,
    safe_x: 3.0,
    safe_y: 3.0,
};

/// Avery 5160 (also 8160, 5260, 5960, …): US Letter, 3 × 10 labels of
/// 2⅝ × 1 in (66.675 × 25.4 mm).
///
/// Pitch 2.75 × 1 in, first label 0.1875 in (3/16) from the left and 0.5 in
/// from the top: 1/8 in between columns, none between rows, the grid centred
/// on the sheet (2 × 0.1875 + 3 × 2.625 + 2 × 0.125 = 8.5). Sources: the
/// Avery dimension table in gist armadsen/5084458 ("Avery 5160: top 0.5,
/// left 0.188, gutter 0.125, 10 rows, 3 columns"); gLabels' `Sheet` table for
/// part 5160 (x0 0.1875 in, y0 0.5 in, dx 2.75 in, dy 1 in). gLabels-qt's
/// newer `avery-us-templates.xml` has x0 0.15625 in, dx 2.78125 in: at most
/// 0.8 mm off, inside the 3 mm side margin.
///
/// On a 25.4 mm label a 3 mm margin at the top and bottom would leave 19 mm
/// for the address; the safe margin there is 1.5 mm (gLabels' markup margin
/// for 5160 is 1/16 in = 1.6 mm on every side).
pub const AVERY_5160: LabelSheet = LabelSheet {
    id: "avery-5160",
    name: "Avery 5160: US Letter, 30 labels of 2⅝ × 1 in (3 × 10)",
    w: 8.5 * INCH,
    h: 11.0 * INCH,
    columns: 3,
    rows: 10,
    label_w: 2.625 * INCH,
    label_h: INCH,
    left: 0.1875 * INCH,
    top: 0.5 * INCH,
    pitch_x: 2.75 * INCH,
    pitch_y: INCH,
    safe_x: 3.0,
    safe_y: 1.5,
};

/// The label sheets letterpress knows.
pub const LABEL_SHEETS: &[LabelSheet] = &[AVERY_L7160, AVERY_5160];

/// Looks a label sheet up by name.
pub fn label_sheet(id: &str) -> Option<&'static LabelSheet> {
    LABEL_SHEETS.iter().find(|s| s.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_fit_their_sheets_symmetrically() {
        for s in LABEL_SHEETS {
            let last = s.cell(s.per_sheet() - 1);
            let (right, bottom) = (s.w - last.right(), s.h - last.bottom());
            assert!((right - s.left).abs() < 1e-9, "{}: right margin {right}", s.id);
            assert!((bottom - s.top).abs() < 1e-9, "{}: bottom margin {bottom}", s.id);
        }
    }

    #[test]
    fn l7160_cells() {
        let s = &AVERY_L7160;
        assert_eq!(s.per_sheet(), 21);
        assert_eq!(s.cell(0), Rect::new(7.25, 15.15, 63.5, 38.1));
        let c = s.cell(4); // second row, middle column
        assert!((c.x - 73.25).abs() < 1e-9 && (c.y - 53.25).abs() < 1e-9);
        assert_eq!(s.cell(21), s.cell(0), "a second sheet starts over");
        let safe = s.safe_area(0);
        assert_eq!((safe.x, safe.y, safe.w), (10.25, 18.15, 57.5));
    }

    #[test]
    fn avery_5160_cells() {
        let s = &AVERY_5160;
        assert_eq!(s.per_sheet(), 30);
        let c = s.cell(29);
        assert!((c.x - 144.4625).abs() < 1e-9, "{c:?}");
        assert!((c.y - 241.3).abs() < 1e-9, "{c:?}");
        let safe = s.safe_area(0);
        assert!((safe.h - 22.4).abs() < 1e-9);
    }
}
