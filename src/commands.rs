//! The commands that help a user before and around a build: `list`, `new`,
//! `templates`, `fonts`, `completions`, and `build --only` / `--dry-run`.

use std::path::Path;

use clap::CommandFactory;
use letterpress::campaign::{self, Campaign, Overrides};
use letterpress::diag::{Diag, did_you_mean};
use letterpress::postal;
use letterpress::preview;
use letterpress::render::world;

use crate::args::{self, Format};

/// `list`: the recipients as understood.
pub fn list(args: &args::ListArgs) -> Result<bool, Vec<Diag>> {
    let campaign = campaign::load(&args.path, &Overrides::default())?;
    if args.format == Format::Json {
        let list: Vec<_> = campaign
            .recipients
            .iter()
            .map(|r| {
                serde_json::json!({
                    "number": r.number,
                    "id": r.id(),
                    "name": r.name(),
                    "organisation": r.organisation(),
                    "language": r.words.code,
                    "country": r.country.code,
                    "salutation": r.salutation(),
                    "address": r.address_lines.iter().map(|l| l.text).collect::<Vec<_>>(),
                    "extra": r.extra,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list).unwrap_or_default());
        return Ok(true);
    }
    for r in &campaign.recipients {
        let who = r.name().or(r.organisation()).unwrap_or("");
        println!("{:>4}  {}  {who}  [{}]", r.number, r.id(), r.words.code);
        println!("      {}", r.salutation());
        for line in r.address_lines.iter() {
            println!("      │ {}", line.text);
        }
    }
    println!("{}", crate::count(campaign.recipients.len(), "recipient"));
    Ok(true)
}

/// `preview`: one recipient's letter and envelope as PNG.
pub fn preview(args: &args::PreviewArgs) -> Result<bool, Vec<Diag>> {
    let overrides = Overrides {
        paper: args.paper.clone(),
        layout: args.layout.clone(),
        envelope: args.envelope.clone(),
        ..Overrides::default()
    };
    let campaign = campaign::load(&args.path, &overrides)?;
    let options = preview::Options {
        recipient: args.recipient.clone(),
        out_dir: args.output.clone(),
        overlay: args.overlay,
        dpi: args.dpi,
    };
    let preview = preview::run(&campaign, &options)?;
    println!("wrote {}", preview.letter.display());
    println!("wrote {}", preview.envelope.display());
    if args.overlay {
        println!("{}", preview::LEGEND);
    }
    if preview.problems.is_empty() {
        return Ok(true);
    }
    Err(preview.problems)
}

/// `build --only`: keeps the named recipients (their packet numbers stay).
pub fn only(campaign: &mut Campaign, ids: &[String]) -> Result<(), Vec<Diag>> {
    let mut diags = vec![];
    for id in ids {
        if !campaign.recipients.iter().any(|r| r.id() == id) {
            let mut diag = Diag::error(format!("the campaign has no recipient `{id}`"));
            if let Some(best) = did_you_mean(id, campaign.recipients.iter().map(|r| r.id())) {
                diag = diag.hint(format!("did you mean `{best}`?"));
            }
            diags.push(diag.hint("`letterpress list` shows every recipient's id"));
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    campaign.recipients.retain(|r| ids.iter().any(|id| id == r.id()));
    Ok(())
}

/// `build --dry-run`: what the zip would hold.
pub fn dry_run(campaign: &Campaign, out: Option<&Path>) {
    let root = &campaign.id;
    if let Some(out) = out {
        println!("would write {}", out.join(format!("{root}.zip")).display());
    }
    for r in &campaign.recipients {
        println!("  {root}/packets/{}/letter.pdf", r.folder());
        if campaign.print_envelopes {
            println!("  {root}/packets/{}/envelope.pdf", r.folder());
        }
    }
    let parts = campaign.recipients.len().div_ceil(campaign.print_part_size);
    for part in 1..=parts {
        let suffix = if parts > 1 { format!("-{part:03}") } else { String::new() };
        println!("  {root}/print/letters{suffix}.pdf");
        if campaign.print_envelopes {
            println!("  {root}/print/envelopes{suffix}.pdf");
        }
        if campaign.labels.is_some() {
            println!("  {root}/print/labels{suffix}.pdf");
        }
    }
    println!("  {root}/recipients.csv");
    for input in &campaign.inputs {
        println!("  {root}/source/{}", input.rel);
    }
    println!("  {root}/manifest.json");
    println!("{}", crate::count(campaign.recipients.len(), "packet"));
}

/// `templates`: what is built in.
pub fn templates() -> Result<bool, Vec<Diag>> {
    println!("templates (built in; plain Typst, see templates/ in the repository):");
    for (name, _) in world::TEMPLATES {
        println!("  {name}");
    }
    println!("\nletter layouts (address field x, y, width × height in mm; folds from the top):");
    for l in postal::LAYOUTS {
        let f = l.field;
        let mut folds: Vec<String> = l.folds.iter().map(|f| format!("{f}")).collect();
        if l.cross_fold {
            folds.push("then in half across".to_string());
        }
        let envelope = match l.envelope {
            Some(window) => window.to_string(),
            None => postal::paper(l.paper)
                .and_then(|paper| postal::default_envelope(l, paper))
                .map_or("-".to_string(), |e| format!("{} (plain)", e.id)),
        };
        println!(
            "  {:<16} {:<9} {} × {} at {}, {} · folds {} · envelope {} · {}",
            l.id,
            l.paper,
            f.w,
            f.h,
            f.x,
            f.y,
            folds.join(", "),
            envelope,
            l.name
        );
    }
    println!("\npapers:");
    for p in postal::PAPERS {
        println!("  {:<10} {} × {} mm", p.id, p.w, p.h);
    }
    println!("\nenvelopes (mm; sheets held folded; the flat one for thicker packets):");
    for e in postal::ENVELOPES {
        let mut window = e.window.map_or("plain".to_string(), |w| {
            format!("window {:.1} × {:.1} at {:.1}, {:.1}", w.w, w.h, w.x, w.y)
        });
        if let Some(w) = e.return_window {
            window.push_str(&format!(
                ", upper window {:.1} × {:.1} at {:.1}, {:.1}",
                w.w, w.h, w.x, w.y
            ));
        }
        println!(
            "  {:<20} {:.1} × {:.1} · {} sheets, then {} · {window}",
            e.id, e.w, e.h, e.capacity, e.flat
        );
    }
    println!("\nlabel sheets (`labels = \"…\"` or `--labels`; safe margin inside each label):");
    for s in postal::labels::LABEL_SHEETS {
        println!(
            "  {:<11} {} · safe margin {} mm sides, {} mm top and bottom",
            s.id, s.name, s.safe_x, s.safe_y
        );
    }
    Ok(true)
}

/// A sample letter of each script, to show what the fonts cover.
const SCRIPTS: &[(&str, &str)] = &[
    ("Latin", "AÄÉŁŒẞaäéłœß"),
    ("Greek", "ΑΒΓΔαβγδ"),
    ("Cyrillic", "АБВЖЯабвжяЁ"),
    ("Cyrillic (Kazakh)", "ӘҒҚҢӨҰҮҺІәғқңөұүһі"),
    ("Cyrillic (Ukrainian, Serbian)", "ЄЇҐЂЈЉЊЋЏ"),
    ("Arabic", "ابتثجحخ"),
    ("Hebrew", "אבגדהוז"),
    ("Chinese", "王小明北京"),
    ("Japanese", "あいうアイウ東京"),
    ("Korean", "한국어서울"),
];

/// `fonts`: the fonts and the scripts they cover.
pub fn fonts() -> Result<bool, Vec<Diag>> {
    let infos = world::font_infos();
    println!("fonts (built in from fonts/, SIL Open Font License; system fonts are never used):");
    let mut seen = vec![];
    for info in &infos {
        let bold = info.variant.weight.to_number() >= 600;
        let italic = info.variant.style != typst::text::FontStyle::Normal;
        let style = match (bold, italic) {
            (false, false) => "regular",
            (true, false) => "bold",
            (false, true) => "italic",
            (true, true) => "bold italic",
        };
        let line = format!("  {} ({style})", info.family);
        if !seen.contains(&line) {
            println!("{line}");
            seen.push(line);
        }
    }
    println!("\nscripts:");
    for (script, sample) in SCRIPTS {
        let covered = sample.chars().all(|c| infos.iter().any(|i| i.coverage.contains(c as u32)));
        let fonts: Vec<&str> = infos
            .iter()
            .filter(|i| sample.chars().all(|c| i.coverage.contains(c as u32)))
            .map(|i| i.family.as_str())
            .fold(vec![], |mut acc, f| {
                if !acc.contains(&f) {
                    acc.push(f);
                }
                acc
            });
        let mark = if covered { "yes" } else { "NO " };
        println!("  {mark} {script:<30} {}", fonts.first().copied().unwrap_or("-"));
    }
    Ok(true)
}

/// `completions`: shell completion script on stdout.
pub fn completions(args: &args::CompletionArgs) -> Result<bool, Vec<Diag>> {
    let mut command = args::Cli::command();
    clap_complete::generate(args.shell, &mut command, "letterpress", &mut std::io::stdout());
    Ok(true)
}

/// `new`: a campaign that builds as it is.
pub fn new(args: &args::NewArgs) -> Result<bool, Vec<Diag>> {
    let dir = &args.dir;
    if dir.exists() {
        return Err(vec![
            Diag::error(format!("`{}` already exists", dir.display()))
                .hint("`letterpress new` creates a new folder; choose another name"),
        ]);
    }
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let id = campaign::slug(&name);
    let fail = |err: std::io::Error| {
        vec![Diag::error(format!("failed to create `{}` ({err})", dir.display()))]
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let files = [
        ("campaign.toml", NEW_CAMPAIGN.replace("{id}", &id)),
        ("body.typ", NEW_BODY.to_string()),
        ("recipients.csv", NEW_RECIPIENTS.to_string()),
    ];
    for (file, text) in files {
        std::fs::write(dir.join(file), text).map_err(fail)?;
    }
    println!("created {}/campaign.toml, body.typ and recipients.csv", dir.display());
    println!("next: letterpress build {}", dir.join("campaign.toml").display());
    Ok(true)
}

const NEW_CAMPAIGN: &str = r#"# A letterpress campaign: one letter, one sender, many recipients.
# Build it with `letterpress build campaign.toml`; `letterpress check` only
# checks. Every key is explained below; unknown keys are errors.

[campaign]
id = "{id}"                # names the zip (out/{id}.zip) and its folder
title = "My campaign"      # the PDFs' title
date = 2026-01-15          # printed on the letter, and the PDFs' date
language = "en"            # en, fr, de, es, ru, kk: date format, labels, default salutation
paper = "a4"               # a4, us-letter, us-legal, a5
layout = "din5008-b"       # din5008-b (window at 45 mm), din5008-a (at 27 mm); see `letterpress templates`
# envelope = "dl"          # default: the one the layout and fold call for; "none": window only
# duplex = true            # print both sides of each sheet
# paper_weight = 80        # g/m², for the packet weights
# pdf_standard = "a-2b"    # PDF/A-2b for archiving
# labels = "avery-l7160"   # also address labels: avery-l7160 (A4), avery-5160 (US Letter)

[sender]
name = "Your Name"
title = "Your role"                     # printed under the signature
organisation = "Your organisation"      # optional
address = { street = "Rue Wiertz 60", postcode = "1047", city = "Brussels", country = "BE" }
contact = ["+32 2 000 00 00", "you@example.org"]   # optional lines beside the address
# signature = "signature.png"           # optional image in this folder

[letter]
subject = "What this letter is about"
body_file = "body.typ"                  # Typst markup in this folder
closing = "Yours sincerely,"
cc = []                                 # e.g. ["Jane Doe, Head of Unit"]
# enclosures = "Report 2025"

# Recipients come from recipients.csv; map its columns to fields here.
# Columns not mapped (like "Notes") reach the body as recipient.extra.
[recipients]
file = "recipients.csv"

[recipients.columns]
name = "Name"
role = "Role"
organisation = "Organisation"
street = ["Street", "Street 2"]
postcode = "Postcode"
city = "City"
country = "Country"                     # ISO codes: BE, DE, FR, KZ, …

# Recipients can also be written here, one table each:
# [[recipient]]
# name = "Sven-Olov CARLSSON"
# honorific = "mr"                      # salutation "Dear Mr Carlsson,"
# role = "Ambassador of Sweden"         # an office: "Dear Ambassador," (see README)
# address = { street = ["Kosmonavtov St. 62"], postcode = "Z05E9E1", city = "Astana", country = "KZ" }
"#;

const NEW_BODY: &str = r#"// The letter body, in Typst markup. The salutation before it and the
// closing after it come from campaign.toml. The recipient's data:
#let recipient = json("/data.json").recipient

I am writing to you about a matter that concerns your office directly.
Replace this text with your letter; *bold* and _italic_ work as in Typst.

#if recipient.extra.at("Notes", default: "") != "" [
  We noted: #recipient.extra.Notes
]
"#;

const NEW_RECIPIENTS: &str = "Name,Role,Organisation,Street,Street 2,Postcode,City,Country,Notes
Anna Müller,Mayor,City of Dresden,Dr.-Külz-Ring 19,,01067,Dresden,DE,
Jean Dupont,,,20 avenue de Ségur,,75007,Paris,FR,met in Lyon
Sven-Olov CARLSSON,Head of the EU Delegation to Kazakhstan,,Kosmonavtov St. 62,7th floor,Z05E9E1,Astana,KZ,
";
