//! The Typst world: one shared, read-only [`Base`] (library, fonts, files) and
//! a cheap per-document [`Doc`] that adds only that document's data.
//!
//! Virtual file system seen by templates and bodies:
//! - `/data.json`: the document's data (the only per-document file);
//! - `/_letterpress/*.typ`: the templates, built into the binary;
//! - every other path: a file of the campaign's folder, read through the
//!   sandbox (no `..`, no symbolic link out, no packages, no network).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

use serde::{Deserialize, Serialize};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::files::{FileLoader, FileStore};
use typst_kit::fonts::{FontSource, FontStore};

use crate::sandbox;

/// The fonts under `fonts/`, built into the binary so output is the same on
/// every machine. System fonts are never consulted.
pub static FONTS: &[(&str, &[u8])] = &[
    ("NotoSans-Regular.ttf", include_bytes!("../../fonts/NotoSans-Regular.ttf")),
    ("NotoSans-Bold.ttf", include_bytes!("../../fonts/NotoSans-Bold.ttf")),
    ("NotoSans-Italic.ttf", include_bytes!("../../fonts/NotoSans-Italic.ttf")),
    ("NotoSans-BoldItalic.ttf", include_bytes!("../../fonts/NotoSans-BoldItalic.ttf")),
    ("NotoSansArabic-Regular.ttf", include_bytes!("../../fonts/NotoSansArabic-Regular.ttf")),
    ("NotoSansArabic-Bold.ttf", include_bytes!("../../fonts/NotoSansArabic-Bold.ttf")),
    ("NotoSansHebrew-Regular.ttf", include_bytes!("../../fonts/NotoSansHebrew-Regular.ttf")),
    ("NotoSansHebrew-Bold.ttf", include_bytes!("../../fonts/NotoSansHebrew-Bold.ttf")),
    ("NotoSansCJK-Regular.ttc", include_bytes!("../../fonts/NotoSansCJK-Regular.ttc")),
    ("NotoSansCJK-Bold.ttc", include_bytes!("../../fonts/NotoSansCJK-Bold.ttc")),
];

/// The built-in templates, served under `/_letterpress/`.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("letter.typ", include_str!("../../templates/letter.typ")),
    ("envelope.typ", include_str!("../../templates/envelope.typ")),
    ("common.typ", include_str!("../../templates/common.typ")),
    ("labels.typ", include_str!("../../templates/labels.typ")),
];

include!(concat!(env!("OUT_DIR"), "/font_sha256.rs"));

/// The SHA-256 of a built-in font file, as computed at build time.
pub fn font_sha256(name: &str) -> Option<&'static str> {
    FONT_SHA256.iter().find(|(n, _)| *n == name).map(|(_, hash)| *hash)
}

/// The folder under which the built-in templates live.
pub const TEMPLATE_DIR: &str = "_letterpress";

/// Builds a file id for a path in the project root.
pub fn file_id(path: &str) -> FileId {
    match VirtualPath::new(path) {
        Ok(vpath) => RootedPath::new(VirtualRoot::Project, vpath).intern(),
        // Only called with constant, valid paths.
        Err(_) => RootedPath::new(
            VirtualRoot::Project,
            VirtualPath::new("/").unwrap_or_else(|_| unreachable!()),
        )
        .intern(),
    }
}

/// The one id of every document's data (ids are interned forever; never
/// make one per recipient).
pub static DATA_ID: LazyLock<FileId> = LazyLock::new(|| file_id("/data.json"));

/// What every document shares: built once per build.
pub struct Base {
    library: LazyHash<Library>,
    fonts: FontStore,
    files: FileStore<Loader>,
    today: Option<Datetime>,
}

impl Base {
    /// Builds the base for a campaign folder, with extra in-memory files
    /// (an inline body) and the campaign date as "today".
    pub fn new(dir: PathBuf, extra: BTreeMap<String, Bytes>, today: Option<Datetime>) -> Self {
        let mut fonts = FontStore::new();
        let known = known_faces();
        for (name, data) in FONTS {
            let data = Bytes::new(*data);
            match known
                .iter()
                .find(|k| k.file == *name && Some(k.sha256.as_str()) == font_sha256(name))
            {
                Some(file) => {
                    for (index, info) in &file.faces {
                        fonts.push((Face { data: data.clone(), index: *index }, info.clone()));
                    }
                }
                // A font changed since `fonts/faces.json` was written (a
                // test says so): read its faces now.
                None => {
                    for font in Font::iter(data) {
                        let info = font.info().clone();
                        fonts.push((font, info));
                    }
                }
            }
        }
        let loader = Loader { dir, extra, read: Mutex::new(BTreeMap::new()) };
        Self {
            library: LazyHash::new(Library::default()),
            fonts,
            files: FileStore::new(loader),
            today,
        }
    }

    /// Every campaign file Typst read, with its bytes (for the archive).
    pub fn campaign_files_read(&self) -> BTreeMap<String, Bytes> {
        self.files.loader().read.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// A document view over this base.
    pub fn doc<'a>(&'a self, main: FileId, data: Bytes) -> Doc<'a> {
        Doc { base: self, main, data }
    }

    /// The display name of a file, for diagnostics.
    pub fn name(&self, id: FileId) -> String {
        let path = id.vpath().get_with_slash().to_string();
        match path.strip_prefix(&format!("/{TEMPLATE_DIR}/")) {
            Some(template) if TEMPLATES.iter().any(|(n, _)| *n == template) => {
                format!("templates/{template}")
            }
            _ => path.trim_start_matches('/').to_string(),
        }
    }
}

/// One document: the base plus its data.
pub struct Doc<'a> {
    base: &'a Base,
    main: FileId,
    data: Bytes,
}

impl World for Doc<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.base.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.base.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == *DATA_ID {
            return Err(FileError::NotSource);
        }
        self.base.files.source(id)
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == *DATA_ID {
            return Ok(self.data.clone());
        }
        self.base.files.file(id)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.base.fonts.font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.base.today
    }
}

/// Serves templates from the binary and campaign files through the sandbox.
struct Loader {
    dir: PathBuf,
    extra: BTreeMap<String, Bytes>,
    read: Mutex<BTreeMap<String, Bytes>>,
}

/// Files larger than this are refused (a hostile "image" should not eat memory).
const MAX_FILE: u64 = 64 * 1024 * 1024;

impl FileLoader for Loader {
    fn load(&self, id: FileId) -> FileResult<Bytes> {
        let VirtualRoot::Project = id.root() else {
            return Err(FileError::Other(Some(
                "packages are not available: letterpress never downloads anything; \
                 copy the package's files into the campaign folder instead"
                    .into(),
            )));
        };
        let path = id.vpath().get_with_slash();
        let rel = path.trim_start_matches('/');
        if let Some(template) = rel.strip_prefix(&format!("{TEMPLATE_DIR}/"))
            && let Some((_, text)) = TEMPLATES.iter().find(|(name, _)| *name == template)
        {
            return Ok(Bytes::from_string(*text));
        }
        if let Some(bytes) = self.extra.get(rel) {
            return Ok(bytes.clone());
        }
        let host = sandbox::resolve(&self.dir, rel).map_err(|why| {
            if why == "file not found" {
                FileError::NotFound(PathBuf::from(path))
            } else {
                FileError::Other(Some(format!("cannot read `{path}`: {why}").into()))
            }
        })?;
        let size = std::fs::metadata(&host).map(|m| m.len()).unwrap_or(0);
        if size > MAX_FILE {
            return Err(FileError::Other(Some(
                format!("`{path}` is larger than {} MiB", MAX_FILE / 1024 / 1024).into(),
            )));
        }
        if host.is_dir() {
            return Err(FileError::IsDirectory);
        }
        let bytes = Bytes::new(
            std::fs::read(&host)
                .map_err(|err| FileError::from_io(err, std::path::Path::new(path)))?,
        );
        if let Ok(mut read) = self.read.lock() {
            read.insert(sandbox::relative(&self.dir, &host), bytes.clone());
        }
        Ok(bytes)
    }
}

/// Converts the campaign date into Typst's date.
pub fn datetime(date: (u16, u8, u8)) -> Option<Datetime> {
    Datetime::from_ymd(i32::from(date.0), date.1, date.2)
}

/// A text file's bytes as Typst wants them.
pub fn text_bytes(text: &str) -> Bytes {
    Bytes::from_string(text.to_string())
}

/// Font information of every built-in font, read from the fonts, for
/// `letterpress fonts`.
pub fn font_infos() -> Vec<FontInfo> {
    faces_of_the_fonts().into_iter().flat_map(|file| file.faces).map(|(_, info)| info).collect()
}

/// The faces of the fonts as they are (what `fonts/faces.json` holds).
fn faces_of_the_fonts() -> Vec<FileFaces> {
    FONTS
        .iter()
        .map(|(name, data)| FileFaces {
            file: name.to_string(),
            sha256: font_sha256(name).unwrap_or_default().to_string(),
            faces: Font::iter(Bytes::new(*data)).map(|f| (f.index(), f.info().clone())).collect(),
        })
        .collect()
}

/// What Typst knows of the faces of one built-in font file, written ahead
/// of time to `fonts/faces.json`.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct FileFaces {
    file: String,
    /// The file's SHA-256: the entry holds only for these bytes.
    sha256: String,
    /// Each face's index in the file and its information.
    faces: Vec<(u32, FontInfo)>,
}

/// Every face Typst can choose from (family, variant, the code points it
/// covers) is read from `fonts/faces.json`; a face is parsed only when a
/// document first uses it. Reading the faces' information from the fonts
/// themselves took ~25 ms at every start, most of it sorting the code points
/// of the CJK collections, which few campaigns use.
fn known_faces() -> Vec<FileFaces> {
    serde_json::from_str(include_str!("../../fonts/faces.json")).unwrap_or_default()
}

/// One face of a built-in font file, parsed on first use.
struct Face {
    data: Bytes,
    index: u32,
}

impl FontSource for Face {
    fn load(&self) -> Option<Font> {
        Font::new(self.data.clone(), self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fonts/faces.json` describes the fonts under `fonts/` as they are.
    /// With `LETTERPRESS_WRITE_FACES=1` the test writes it anew.
    #[test]
    fn the_faces_file_matches_the_fonts() {
        let faces = faces_of_the_fonts();
        if std::env::var_os("LETTERPRESS_WRITE_FACES").is_some() {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts/faces.json");
            let text = serde_json::to_string(&faces).unwrap();
            std::fs::write(path, text + "\n").unwrap();
            return;
        }
        assert!(
            known_faces() == faces,
            "fonts/faces.json is out of date: run `LETTERPRESS_WRITE_FACES=1 cargo test --release \
             the_faces_file_matches_the_fonts` and commit it"
        );
        // Every face is there, and the store serves each one.
        let base = Base::new(PathBuf::from("."), BTreeMap::new(), None);
        let count: usize = faces.iter().map(|f| f.faces.len()).sum();
        assert!(count > 10);
        assert!(base.fonts.book().families().count() > 3);
        for i in 0..count {
            let font = base.fonts.font(i).unwrap();
            assert_eq!(Some(font.info()), base.fonts.book().info(i));
        }
        assert!(base.fonts.font(count).is_none());
    }

    #[test]
    fn font_hashes_from_the_build_match_the_embedded_fonts() {
        for (name, data) in FONTS {
            assert_eq!(font_sha256(name), Some(crate::bundle::sha256(data).as_str()), "{name}");
        }
    }
}
