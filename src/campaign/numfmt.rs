//! Excel number formats: the text a spreadsheet shows for a number.
//!
//! An .xlsx cell stores a value and a style; the style names a number format
//! such as `dd/mm/yyyy`, `0.00`, `#,##0` or `0%`. [`display`] renders a
//! value the way Excel shows it in that format: dates and times, fixed
//! decimals, thousands separators, percentages, scientific notation,
//! literal text and the "General" format. A format it does not know
//! (conditions, fractions, non-English day names, the system's long date)
//! gives `None`, so that the caller can name the cell rather than print a
//! different text.

/// The text Excel shows for `value` in the number format `code`, or `None`
/// when letterpress cannot tell. `date1904`: the workbook counts days from
/// 1904 (old Mac Excel).
pub fn display(value: f64, code: &str, date1904: bool) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    let sections = sections(code);
    if sections
        .iter()
        .any(|s| s.trim_start().starts_with("[>") || s.contains("[<") || s.contains("[="))
    {
        return None; // conditional sections
    }
    let section = |i: usize| sections.get(i).copied().unwrap_or("");
    // Which section applies, and whether it writes its own minus sign.
    let (code, value, minus) = match sections.len() {
        0 | 1 => (section(0), value.abs(), value < 0.0),
        2 if value < 0.0 => (section(1), -value, false),
        2 => (section(0), value, false),
        _ if value > 0.0 => (section(0), value, false),
        _ if value < 0.0 => (section(1), -value, false),
        _ => (section(2), value, false),
    };
    let tokens = tokens(code)?;
    if tokens.iter().any(Token::is_date) {
        if minus {
            return None; // Excel shows ##### for a negative date
        }
        return date(&tokens, value, date1904);
    }
    number(&tokens, value, minus)
}

/// The text Excel shows for a text cell in the number format `code`: the
/// text itself, inside the literals of a text section (`@`) if the format
/// has one.
pub fn display_text(text: &str, code: &str) -> Option<String> {
    let sections = sections(code);
    let section = match sections.len() {
        4.. => sections[3],
        _ => match sections.iter().find(|s| s.contains('@')) {
            Some(s) => s,
            None => return Some(text.to_string()),
        },
    };
    let mut out = String::new();
    for token in tokens(section)? {
        match token {
            Token::Lit(l) => out.push_str(&l),
            Token::Text => out.push_str(text),
            _ => return None,
        }
    }
    Some(out)
}

/// The sections of a format, split at `;` outside quotes and brackets.
fn sections(code: &str) -> Vec<&str> {
    let mut out = vec![];
    let (mut start, mut quoted, mut bracket, mut escaped) = (0, false, false, false);
    for (i, c) in code.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if !quoted => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            ';' if !quoted && !bracket => {
                out.push(&code[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&code[start..]);
    out
}

/// One piece of a format section.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// Text shown as is.
    Lit(String),
    /// `General`.
    General,
    /// `@`: the cell's text.
    Text,
    /// A digit placeholder: `0`, `#` or `?`.
    Digit(char),
    /// `.`
    Point,
    /// `,`
    Comma,
    /// `%`
    Percent,
    /// `E+` or `E-`.
    Exp(bool),
    /// `y`, `m`, `d`, `h`, `s` (with how many letters), `[h]` elapsed, `.0` fractions.
    Date(char, usize),
    /// `[h]`, `[m]`, `[s]`: elapsed time.
    Elapsed(char, usize),
    /// `AM/PM` (the case as written) or `A/P`.
    AmPm(&'static str, &'static str),
    /// `/`: a date separator or a fraction.
    Slash,
}

impl Token {
    fn is_date(&self) -> bool {
        matches!(self, Token::Date(..) | Token::Elapsed(..) | Token::AmPm(..))
    }
}

const COLOURS: &[&str] = &["black", "blue", "cyan", "green", "magenta", "red", "white", "yellow"];

/// Splits a section into tokens; `None` for what letterpress does not know.
fn tokens(code: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = vec![];
    let mut english = true;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let rest: String = chars[i..].iter().collect::<String>().to_lowercase();
        let run = chars[i..].iter().take_while(|x| x.eq_ignore_ascii_case(&c)).count();
        i += 1;
        match c.to_ascii_lowercase() {
            '"' => {
                let len = chars[i..].iter().position(|x| *x == '"')?;
                out.push(Token::Lit(chars[i..i + len].iter().collect()));
                i += len + 1;
            }
            '\\' => {
                out.push(Token::Lit(chars.get(i)?.to_string()));
                i += 1;
            }
            '_' => {
                out.push(Token::Lit(" ".into()));
                i += 1;
            }
            '*' => i += 1, // fill the cell with the next character: nothing to print
            '[' => {
                let len = chars[i..].iter().position(|x| *x == ']')?;
                let inner: String = chars[i..i + len].iter().collect();
                i += len + 1;
                let lower = inner.to_lowercase();
                if let Some(currency) = inner.strip_prefix('$') {
                    let (symbol, locale) = currency.split_once('-').unwrap_or((currency, ""));
                    let id = match u32::from_str_radix(locale, 16) {
                        Ok(id) => id,
                        Err(_) if locale.is_empty() => 0,
                        Err(_) => return None, // `[$-x-sysdate]`: the system's long date
                    };
                    // F800 and F400: the system's long date and time.
                    if id & 0xFFFF == 0xF800 || id & 0xFFFF == 0xF400 {
                        return None;
                    }
                    english &= id == 0 || id & 0x3FF == 0x09;
                    if !symbol.is_empty() {
                        out.push(Token::Lit(symbol.to_string()));
                    }
                } else if COLOURS.contains(&lower.as_str()) || lower.starts_with("color") {
                } else if !lower.is_empty()
                    && lower.chars().all(|x| x == lower.chars().next().unwrap_or('?'))
                    && matches!(lower.chars().next(), Some('h' | 'm' | 's'))
                {
                    out.push(Token::Elapsed(lower.chars().next()?, lower.len()));
                } else {
                    return None;
                }
            }
            'g' if rest.starts_with("general") => {
                out.push(Token::General);
                i += 6;
            }
            'a' if rest.starts_with("am/pm") => {
                let upper = c == 'A';
                out.push(if upper { Token::AmPm("AM", "PM") } else { Token::AmPm("am", "pm") });
                i += 4;
            }
            'a' if rest.starts_with("a/p") => {
                out.push(if c == 'A' { Token::AmPm("A", "P") } else { Token::AmPm("a", "p") });
                i += 2;
            }
            'e' if matches!(chars.get(i), Some('+' | '-')) => {
                out.push(Token::Exp(chars[i] == '+'));
                i += 1;
            }
            'y' | 'm' | 'd' | 'h' | 's' => {
                out.push(Token::Date(c.to_ascii_lowercase(), run));
                i += run - 1;
            }
            '0' | '#' | '?' => out.push(Token::Digit(c)),
            '.' => out.push(Token::Point),
            ',' => out.push(Token::Comma),
            '%' => out.push(Token::Percent),
            '@' => out.push(Token::Text),
            '/' => out.push(Token::Slash),
            c if c.is_ascii_alphabetic() => return None, // eras, Buddhist years, unknown letters
            _ => out.push(Token::Lit(c.to_string())),
        }
    }
    // Month and day names, and AM/PM, in another language: not ours to guess.
    let named = out
        .iter()
        .any(|t| matches!(t, Token::Date('m', 3..) | Token::Date('d', 3..) | Token::AmPm(..)));
    if named && !english {
        return None;
    }
    Some(out)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] =
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// A date or time format.
fn date(tokens: &[Token], value: f64, date1904: bool) -> Option<String> {
    let serial = if date1904 { value + 1462.0 } else { value };
    // Fractions of a second as shown (`ss.00`): round to them.
    let mut tokens: Vec<Token> = tokens.to_vec();
    let mut places = 0;
    for i in 0..tokens.len() {
        if tokens[i] == Token::Point
            && matches!(
                tokens.get(i.wrapping_sub(1)),
                Some(Token::Date('s', _) | Token::Elapsed('s', _))
            )
        {
            let n = tokens[i + 1..].iter().take_while(|t| **t == Token::Digit('0')).count();
            places = places.max(n);
            tokens[i] = Token::Date('.', n);
            for t in &mut tokens[i + 1..i + 1 + n] {
                *t = Token::Lit(String::new());
            }
        }
    }
    let unit = 10_i64.pow(places as u32);
    let total = (serial * 86_400.0 * unit as f64).round() as i64;
    let (days, rest) = (total.div_euclid(86_400 * unit), total.rem_euclid(86_400 * unit));
    let (secs, fraction) = (rest / unit, rest % unit);
    let has_date = tokens.iter().any(|t| matches!(t, Token::Date('y' | 'd', _)))
        || (0..tokens.len()).any(|i| is_month(&tokens, i));
    // Serial 60 is Excel's 29 February 1900, which never was; 0 is "0 January 1900".
    if has_date && (days == 60 || days < 1) && !date1904 {
        return None;
    }
    let (year, month, day) = if days < 60 && !date1904 {
        crate::civil::from_days(days - 25_568)
    } else {
        crate::civil::from_days(days - 25_569)
    };
    let weekday = (days - 25_569 + 3).rem_euclid(7) as usize; // 1970-01-01 was a Thursday
    let twelve = tokens.iter().find_map(|t| match t {
        Token::AmPm(am, pm) => Some(if secs < 43_200 { *am } else { *pm }),
        _ => None,
    });
    let (hour, minute, second) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Lit(l) => out.push_str(l),
            Token::Point => out.push('.'),
            Token::Comma => out.push(','),
            Token::Slash => out.push('/'),
            Token::Percent => out.push('%'),
            Token::AmPm(..) => out.push_str(twelve.unwrap_or("")),
            Token::Date('y', n) if *n <= 2 => out.push_str(&format!("{:02}", year % 100)),
            Token::Date('y', _) => out.push_str(&format!("{year:04}")),
            Token::Date('m', n) if is_month(&tokens, i) => {
                let name = MONTHS[(month - 1) as usize];
                match n {
                    1 => out.push_str(&month.to_string()),
                    2 => out.push_str(&format!("{month:02}")),
                    3 => out.push_str(&name[..3]),
                    5 => out.push_str(&name[..1]),
                    _ => out.push_str(name),
                }
            }
            Token::Date('m', 1) => out.push_str(&minute.to_string()),
            Token::Date('m', _) => out.push_str(&format!("{minute:02}")),
            Token::Date('d', 1) => out.push_str(&day.to_string()),
            Token::Date('d', 2) => out.push_str(&format!("{day:02}")),
            Token::Date('d', 3) => out.push_str(&DAYS[weekday][..3]),
            Token::Date('d', _) => out.push_str(DAYS[weekday]),
            Token::Date('h', n) => {
                let hour = if twelve.is_some() { (hour + 11) % 12 + 1 } else { hour };
                out.push_str(&if *n == 1 { hour.to_string() } else { format!("{hour:02}") });
            }
            Token::Date('s', 1) => out.push_str(&second.to_string()),
            Token::Date('s', _) => out.push_str(&format!("{second:02}")),
            Token::Date('.', n) => {
                out.push('.');
                out.push_str(&format!("{fraction:0places$}")[..*n]);
            }
            Token::Elapsed(unit, n) => {
                let whole = days * 86_400 + secs;
                let amount = match unit {
                    'h' => whole / 3600,
                    'm' => whole / 60,
                    _ => whole,
                };
                out.push_str(&format!("{amount:0n$}"));
            }
            _ => return None, // digit placeholders, exponents, `@` in a date
        }
    }
    Some(out)
}

/// Whether the `m` at `i` means the month (not minutes): minutes follow an
/// hour or come before seconds.
fn is_month(tokens: &[Token], i: usize) -> bool {
    let Some(Token::Date('m', n)) = tokens.get(i) else { return false };
    if *n > 2 {
        return true;
    }
    let before = tokens[..i].iter().rev().find(|t| t.is_date());
    let after = tokens[i + 1..].iter().find(|t| t.is_date());
    let hour = matches!(before, Some(Token::Date('h', _) | Token::Elapsed('h', _)));
    let seconds = matches!(after, Some(Token::Date('s', _) | Token::Elapsed('s', _)));
    !(hour || seconds)
}

/// A number format: digits, separators, percent, exponent and literals.
fn number(tokens: &[Token], value: f64, minus: bool) -> Option<String> {
    let sign = if minus { "-" } else { "" };
    if tokens.iter().any(|t| matches!(t, Token::General | Token::Text)) {
        let shown = general(value);
        let mut out = sign.to_string();
        for token in tokens {
            match token {
                Token::Lit(l) => out.push_str(l),
                Token::General | Token::Text => out.push_str(&shown),
                Token::Percent => out.push('%'),
                _ => return None,
            }
        }
        return Some(out);
    }
    // The number part runs from the first to the last digit placeholder.
    let first = tokens.iter().position(|t| matches!(t, Token::Digit(_) | Token::Point));
    let Some(first) = first else {
        // Literal text only (a section like "-" for zero).
        let mut out = sign.to_string();
        for token in tokens {
            match token {
                Token::Lit(l) => out.push_str(l),
                Token::Percent => out.push('%'),
                Token::Comma => out.push(','),
                _ => return None,
            }
        }
        return Some(out);
    };
    let last = tokens.iter().rposition(|t| matches!(t, Token::Digit(_) | Token::Point))?;
    let (mut int, mut dec, mut exp) = (vec![], vec![], vec![]);
    let (mut point, mut group, mut plus) = (false, false, None);
    let mut scale = 0;
    let mut i = first;
    while i <= last {
        match &tokens[i] {
            Token::Digit(d) if plus.is_some() => exp.push(*d),
            Token::Digit(d) if point => dec.push(*d),
            Token::Digit(d) => int.push(*d),
            Token::Point if !point && plus.is_none() => point = true,
            Token::Exp(p) if plus.is_none() => plus = Some(*p),
            Token::Comma if !point && matches!(tokens.get(i + 1), Some(Token::Digit(_))) => {
                group = true;
            }
            _ => return None, // literals inside the number, fractions
        }
        i += 1;
    }
    // Commas right after the number divide it by 1000 each.
    let mut after = last + 1;
    while tokens.get(after) == Some(&Token::Comma) {
        scale += 1;
        after += 1;
    }
    let percent = tokens.iter().filter(|t| **t == Token::Percent).count() as i32;
    let shift = 2 * percent - 3 * scale;
    let shown = match plus {
        None => {
            let (whole, fraction) = fixed(value, shift, dec.len());
            let mut text = digits_into(&whole, &int, group);
            if point {
                text.push('.');
            }
            text.push_str(&fraction_into(&fraction, &dec));
            text
        }
        Some(plus) => {
            if int.len() != 1 {
                return None; // engineering notation (##0.0E+0)
            }
            let (mut mantissa, mut power) = (value, 0);
            if value != 0.0 {
                let (_, e) = decimal(value);
                power = e + shift;
                mantissa = value / 10f64.powi(e);
            }
            let (mut whole, mut fraction) = fixed(mantissa, 0, dec.len());
            if whole == "10" {
                power += 1;
                (whole, fraction) = fixed(mantissa / 10.0, 0, dec.len());
            }
            let mut text = digits_into(&whole, &int, false);
            if point {
                text.push('.');
            }
            text.push_str(&fraction_into(&fraction, &dec));
            text.push('E');
            text.push_str(if power < 0 {
                "-"
            } else if plus {
                "+"
            } else {
                ""
            });
            text.push_str(&format!("{:0width$}", power.abs(), width = exp.len()));
            text
        }
    };
    let mut out = sign.to_string();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            _ if i == first => out.push_str(&shown),
            _ if i > first && i < after => {}
            Token::Lit(l) => out.push_str(l),
            Token::Percent => out.push('%'),
            Token::Comma => out.push(','),
            _ => return None, // a second number
        }
    }
    Some(out)
}

/// The whole-number digits in their placeholders: `0` pads with zeros, `?`
/// with spaces, `#` with nothing; `group` adds thousands separators.
fn digits_into(whole: &str, placeholders: &[char], group: bool) -> String {
    let mut digits: Vec<char> = whole.chars().collect();
    let mut pad = String::new();
    for p in placeholders.iter().rev().skip(digits.len()) {
        match p {
            '0' => digits.insert(0, '0'),
            '?' => pad.push(' '),
            _ => {}
        }
    }
    let mut out = pad;
    for (i, d) in digits.iter().enumerate() {
        if group && i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*d);
    }
    out
}

/// The decimals in their placeholders: trailing zeros go for `#`, become
/// spaces for `?`, stay for `0`.
fn fraction_into(fraction: &str, placeholders: &[char]) -> String {
    let mut digits: Vec<char> = fraction.chars().collect();
    for (i, p) in placeholders.iter().enumerate().rev() {
        if digits.get(i) != Some(&'0') {
            break;
        }
        match p {
            '#' => {
                digits.pop();
            }
            '?' => digits[i] = ' ',
            _ => break,
        }
    }
    digits.into_iter().collect()
}

/// `|value|` as decimal digits (15 significant, the precision Excel keeps)
/// and the power of ten of the first.
fn decimal(value: f64) -> (Vec<u8>, i32) {
    let text = format!("{:.14e}", value.abs());
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let digits = mantissa.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    (digits, exp.parse().unwrap_or(0))
}

/// `|value| × 10^shift` rounded half away from zero to `places` decimals:
/// the whole part (empty for zero) and exactly `places` decimals.
fn fixed(value: f64, shift: i32, places: usize) -> (String, String) {
    if value == 0.0 {
        return (String::new(), "0".repeat(places));
    }
    let (digits, e) = decimal(value);
    let e = e + shift;
    let keep = e + places as i32 + 1; // digits up to the last decimal
    let mut kept: Vec<u8> =
        (0..keep.max(0)).map(|i| digits.get(i as usize).copied().unwrap_or(0)).collect();
    let next = if keep >= 0 { digits.get(keep as usize).copied().unwrap_or(0) } else { 0 };
    if next >= 5 {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, 1);
                break;
            }
            i -= 1;
            if kept[i] == 9 {
                kept[i] = 0;
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let mut text: String = kept.iter().map(|d| char::from(b'0' + d)).collect();
    if text.len() <= places {
        text = "0".repeat(places + 1 - text.len()) + &text;
    }
    let (whole, fraction) = text.split_at(text.len() - places);
    (whole.trim_start_matches('0').to_string(), fraction.to_string())
}

/// A number in Excel's "General" format: up to 11 characters in a default
/// column, without trailing zeros, in scientific notation beyond that
/// (1.23457E+11).
pub fn general(value: f64) -> String {
    if value == 0.0 {
        return "0".into();
    }
    let width = if value < 0.0 { 12 } else { 11 };
    let power = decimal(value).1;
    let text = if (-4..=-1).contains(&power) {
        precision(value, (10 + power) as usize)
    } else if power.abs() <= 9 {
        let fixed = strip_decimal(&format!("{value:.12}"));
        if fixed.len() <= width {
            fixed
        } else {
            let p = precision(value, 10);
            if p.len() <= width { p } else { scientific(value, 5) }
        }
    } else if power == 10 {
        strip_decimal(&format!("{value:.0}"))
    } else {
        let p = strip_decimal(&precision(value, 11));
        if p.len() > width || p == "0" || p == "-0" { precision(value, 6) } else { p }
    };
    strip_decimal(&text)
}

/// JavaScript's `toPrecision`: `digits` significant digits, in scientific
/// notation when the power is below -6 or at least `digits`.
fn precision(value: f64, digits: usize) -> String {
    let power = {
        let text = format!("{:.*e}", digits.saturating_sub(1), value);
        text.split_once('e').and_then(|(_, e)| e.parse::<i32>().ok()).unwrap_or(0)
    };
    if power < -6 || power >= digits as i32 {
        scientific(value, digits.saturating_sub(1))
    } else {
        let places = (digits as i32 - 1 - power).max(0) as usize;
        format!("{value:.places$}")
    }
}

/// `1.23457E+11`: a mantissa with up to `places` decimals and a two-digit exponent.
fn scientific(value: f64, places: usize) -> String {
    let text = format!("{value:.places$e}");
    let (mantissa, power) = text.split_once('e').unwrap_or((&text, "0"));
    let power: i32 = power.parse().unwrap_or(0);
    let sign = if power < 0 { '-' } else { '+' };
    format!("{}E{sign}{:02}", strip_decimal(mantissa), power.abs())
}

/// `3.100` → `3.1`, `12.0` → `12`; the exponent of `1.50E+11` stays.
fn strip_decimal(text: &str) -> String {
    if let Some((mantissa, exp)) = text.split_once('E') {
        return format!("{}E{exp}", strip_decimal(mantissa));
    }
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(value: f64, code: &str) -> String {
        display(value, code, false).unwrap_or_else(|| "<unknown>".into())
    }

    #[test]
    fn general_numbers_as_excel_shows_them() {
        for (value, shown) in [
            (3.1, "3.1"),
            (3.1_f64.next_up(), "3.1"),
            (0.1 + 0.2, "0.3"),
            (1234567.0, "1234567"),
            (12345678901.0, "12345678901"),
            (123456789012.0, "1.23457E+11"),
            (1.0 / 3.0, "0.333333333"),
            (123.456789012345, "123.456789"),
            (0.00001, "0.00001"),
            (0.0000000012345, "1.2345E-09"),
            (-2.5, "-2.5"),
            (12.0, "12"),
            (0.0, "0"),
        ] {
            assert_eq!(show(value, "General"), shown, "{value}");
        }
    }

    #[test]
    fn dates_and_times() {
        // 45657 is 31 December 2024; 45717.5 is 1 March 2025, noon.
        assert_eq!(show(45657.0, "dd/mm/yyyy"), "31/12/2024");
        assert_eq!(show(45717.5, "d mmmm yyyy"), "1 March 2025");
        assert_eq!(show(45717.5, "d mmm yyyy"), "1 Mar 2025");
        assert_eq!(show(45717.5, "mm-dd-yy"), "03-01-25");
        assert_eq!(show(45717.5, "dddd, d. mmmm yyyy"), "Saturday, 1. March 2025");
        assert_eq!(show(45717.5, "yyyy-mm-dd hh:mm"), "2025-03-01 12:00");
        assert_eq!(show(45717.75, "h:mm AM/PM"), "6:00 PM");
        assert_eq!(show(0.5 + 1.0 / 86_400.0, "h:mm:ss"), "12:00:01");
        assert_eq!(show(1.25, "[h]:mm"), "30:00");
        assert_eq!(show(0.000_011_6, "mm:ss.0"), "00:01.0");
        assert_eq!(show(45657.0, "[$-409]d mmm yyyy;@"), "31 Dec 2024");
        assert_eq!(show(45657.0, "dd.mm.yyyy"), "31.12.2024");
        assert_eq!(show(45657.0, "[$-407]dd.mm.yyyy"), "31.12.2024");
        assert_eq!(show(45657.0, "d-mmm-yy"), "31-Dec-24");
        assert_eq!(show(0.5, "mm:ss"), "00:00");
        assert_eq!(show(59.0, "yyyy-mm-dd"), "1900-02-28");
        assert_eq!(show(61.0, "yyyy-mm-dd"), "1900-03-01");
        assert_eq!(display(44195.0, "dd/mm/yyyy", true).as_deref(), Some("31/12/2024"));
    }

    #[test]
    fn numbers_in_their_formats() {
        assert_eq!(show(3.1, "0.00"), "3.10");
        assert_eq!(show(2.675, "0.00"), "2.68");
        assert_eq!(show(1234567.891, "#,##0"), "1,234,568");
        assert_eq!(show(1234567.891, "#,##0.00"), "1,234,567.89");
        assert_eq!(show(-1234.5, "#,##0.00"), "-1,234.50");
        assert_eq!(show(-1234.5, "#,##0.00;(#,##0.00)"), "(1,234.50)");
        assert_eq!(show(0.0, "#,##0;-#,##0;\"–\""), "–");
        assert_eq!(show(0.155, "0%"), "16%");
        assert_eq!(show(0.1234, "0.0%"), "12.3%");
        assert_eq!(show(1067.0, "00000"), "01067");
        assert_eq!(show(0.5, "#.00"), ".50");
        assert_eq!(show(1.5, "0.##"), "1.5");
        assert_eq!(show(12345.0, "0.00E+00"), "1.23E+04");
        assert_eq!(show(0.00012, "0.0E+00"), "1.2E-04");
        assert_eq!(show(1500000.0, "#,##0.0,,\" M\""), "1.5 M");
        assert_eq!(show(42.0, "[$€-407] #,##0.00"), "€ 42.00");
        assert_eq!(show(42.0, "#,##0.00 \"kg\""), "42.00 kg");
        assert_eq!(show(7.0, "0_);[Red](0)"), "7 ");
        assert_eq!(show(-7.0, "0_);[Red](0)"), "(7)");
    }

    #[test]
    fn unknown_formats_are_refused() {
        for code in [
            "# ?/?",
            "[>100]0;0",
            "[$-F800]dddd, mmmm dd, yyyy",
            "[$-407]d. mmmm yyyy",
            "ggg e",
            "[$-x-sysdate]dddd",
        ] {
            assert_eq!(display(45657.0, code, false), None, "{code}");
        }
        assert_eq!(display(-1.0, "dd/mm/yyyy", false), None);
        assert_eq!(display(60.0, "dd/mm/yyyy", false), None);
    }

    #[test]
    fn text_in_a_text_section() {
        assert_eq!(display_text("01067", "@").as_deref(), Some("01067"));
        assert_eq!(display_text("x", "0.00").as_deref(), Some("x"));
        assert_eq!(display_text("x", "0;0;0;\"<\"@\">\"").as_deref(), Some("<x>"));
    }
}
