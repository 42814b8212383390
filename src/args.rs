//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Turn a campaign (one TOML file) into print-ready letter and envelope PDFs,
/// bundled in one zip.
#[derive(Debug, Parser)]
#[command(name = "letterpress", version, about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build every packet and write `<out>/<campaign-id>.zip`.
    ///
    /// Example: letterpress build campaigns/semenova-2018.toml -o out
    Build(BuildArgs),
    /// Do everything a build does (load, typeset, check) but write nothing.
    ///
    /// Exits 0 when the campaign would build, 1 when it would not.
    /// Example: letterpress check campaigns/semenova-2018.toml
    Check(CampaignArgs),
    /// Print the data one recipient's templates receive (`/data.json`).
    ///
    /// For template authors: save it next to a template to compile the
    /// template with stock `typst compile` or preview it in an editor.
    /// Example: letterpress data campaigns/semenova-2018.toml --recipient carlsson
    Data(DataArgs),
    /// Check an archive: recompute every hash in its manifest.
    ///
    /// Reports each file that is missing, extra or changed; exits 0 only
    /// for an intact archive.
    /// Example: letterpress verify out/semenova-2018.zip
    Verify(ArchiveArgs),
    /// Build an archive again from its own `source/` and compare the bytes.
    ///
    /// Exits 0 when the rebuilt zip is byte-identical to the archive.
    /// Example: letterpress rebuild out/semenova-2018.zip -o rebuilt
    Rebuild(RebuildArgs),
    /// Render the first page of one recipient's letter and its envelope to
    /// PNG, to check a layout at a glance.
    ///
    /// Writes `<dir>/<id>-letter.png` and `<dir>/<id>-envelope.png`. With
    /// `--overlay`, draws the envelope window, the area it always shows, the
    /// fold marks and the envelope's zones on top. The images are written
    /// even when the layout checks fail; the problems are printed, exit 1.
    /// Example: letterpress preview campaigns/semenova-2018.toml --recipient carlsson --overlay
    Preview(PreviewArgs),
    /// List the recipients as letterpress understood them: id, name,
    /// formatted address, language.
    ///
    /// Example: letterpress list campaigns/members.toml
    List(ListArgs),
    /// Create a ready-to-edit campaign (TOML, body, recipients CSV) that
    /// builds as it is.
    ///
    /// Example: letterpress new my-campaign && letterpress build my-campaign/campaign.toml
    New(NewArgs),
    /// List the built-in templates, letter layouts, papers and envelopes.
    ///
    /// Example: letterpress templates | grep window
    Templates,
    /// List the built-in fonts and the scripts they cover.
    ///
    /// Example: letterpress fonts
    Fonts,
    /// Print shell completions.
    ///
    /// Example: letterpress completions bash > /etc/bash_completion.d/letterpress
    Completions(CompletionArgs),
}

/// `list`: the campaign.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The campaign file.
    #[arg(value_name = "CAMPAIGN.toml")]
    pub path: PathBuf,
    /// How to report: `human` (default) or `json`.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// `new`: where.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The folder to create (must not exist yet).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// `completions`: which shell.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `verify`: the archive.
#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// The zip made by `letterpress build`.
    #[arg(value_name = "ZIP")]
    pub zip: PathBuf,
    /// How to report: `human` (default) or `json`.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// `rebuild`: the archive and where to put the rebuilt zip.
#[derive(Debug, Args)]
pub struct RebuildArgs {
    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArgs,
    /// Also write the rebuilt zip into this folder.
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
}

/// `data`: the campaign and the recipient.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// The campaign file.
    #[arg(value_name = "CAMPAIGN.toml")]
    pub path: PathBuf,
    /// The recipient's id (default: the first recipient).
    #[arg(long, value_name = "ID")]
    pub recipient: Option<String>,
}

/// `preview`: which recipient, where, how.
#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// The campaign file.
    #[arg(value_name = "CAMPAIGN.toml")]
    pub path: PathBuf,
    /// The recipient's id (default: the first recipient).
    #[arg(long, value_name = "ID")]
    pub recipient: Option<String>,
    /// The folder the PNGs are written to.
    #[arg(short, long, value_name = "DIR", default_value = "out/preview")]
    pub output: PathBuf,
    /// Draw the window, the always-visible area, the fold marks and the
    /// envelope zones on top.
    #[arg(long)]
    pub overlay: bool,
    /// Resolution in dots per inch (10 to 1200).
    #[arg(long, value_name = "N", default_value_t = 150.0)]
    pub dpi: f32,
    /// Paper for this preview, overriding the campaign.
    #[arg(long, value_name = "NAME")]
    pub paper: Option<String>,
    /// Letter layout for this preview, overriding the campaign.
    #[arg(long, value_name = "NAME")]
    pub layout: Option<String>,
    /// Envelope for this preview, overriding the campaign.
    #[arg(long, value_name = "NAME")]
    pub envelope: Option<String>,
}

/// `build`: the campaign, and where the zip goes.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The campaign.
    #[command(flatten)]
    pub campaign: CampaignArgs,
    /// The folder the zip is written to.
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    pub output: PathBuf,
    /// Write the packets that succeed even if others fail; the failures go
    /// into failures.json and the summary, and the exit code is 1.
    #[arg(long)]
    pub keep_going: bool,
    /// List the files the build would write, and stop.
    #[arg(long)]
    pub dry_run: bool,
}

/// What every command that reads a campaign takes.
#[derive(Debug, Args)]
pub struct CampaignArgs {
    /// The campaign file.
    #[arg(value_name = "CAMPAIGN.toml")]
    pub path: PathBuf,
    /// Paper for this run, overriding the campaign (a4, a5, us-letter, us-legal).
    #[arg(long, value_name = "NAME")]
    pub paper: Option<String>,
    /// Letter layout for this run, overriding the campaign (see `letterpress templates`).
    #[arg(long, value_name = "NAME")]
    pub layout: Option<String>,
    /// Envelope for this run, overriding the campaign (see `letterpress templates`; `none`).
    #[arg(long, value_name = "NAME")]
    pub envelope: Option<String>,
    /// Print one side of each sheet (the campaign's `duplex = false`).
    #[arg(long)]
    pub simplex: bool,
    /// PDF standard for this run, e.g. `a-2b` for archiving (PDF/A-2b).
    #[arg(long, value_name = "NAME")]
    pub pdf_standard: Option<String>,
    /// Also print the addresses on label sheets (print/labels.pdf), overriding
    /// the campaign: avery-l7160 (A4, 21 labels), avery-5160 (US Letter, 30
    /// labels), or none.
    #[arg(long, value_name = "NAME")]
    pub labels: Option<String>,
    /// Jobs at once (default: all cores): with more than one, a worker process
    /// each; with one, everything runs in this process.
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// How to report: `human` (default) or `json` (one JSON document on stdout).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Only these recipients (ids, comma separated); packet numbers stay.
    #[arg(long, value_name = "ID,ID", value_delimiter = ',')]
    pub only: Vec<String>,
}

/// Output format for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Human,
    /// For programs: one JSON document on stdout.
    Json,
}
