//! The C prototypes of the functions `libegret` implements, read from the
//! Rust sources in `crates/c-api/src`: every `#[unsafe(no_mangle)]`
//! `extern "C" fn`, including those a `macro_rules!` of the same file
//! defines (each invocation is matched against the macro's pattern and
//! the function templates are filled in). Rust types become C types by
//! fixed rules: `Option<&T>` and `*const T` are `const T *`;
//! `Option<&mut T>`, `Option<Box<T>>`, `*mut T` and `CMut<T>` (read
//! only, but `T *` in C) are `T *`; `u32` is `uint32_t`, ...; a type named
//! as in C (the sources use `wasmtime_structref_t`, `wasm_func_t`,
//! `wasm_byte_t`, aliases of one Rust type, where Wasmtime declares
//! them) keeps its name. `src/unsupported.rs` is left out: its functions
//! are defined without parameters and are not part of Egret's header.

use std::collections::BTreeMap;
use std::path::Path;

/// One exported function.
pub struct Prototype {
    pub name: String,
    /// The C declaration, ending in `;`.
    pub declaration: String,
    /// The type names it points to (to declare as opaque structs).
    pub pointees: Vec<String>,
}

/// The exported functions of every source file but `unsupported.rs`, by
/// name.
pub fn implemented_functions(src: &Path) -> BTreeMap<String, Prototype> {
    let mut files: Vec<_> = std::fs::read_dir(src)
        .expect("reading src/")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .filter(|path| !path.ends_with("unsupported.rs"))
        .collect();
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    let aliases = function_pointer_aliases(&texts);
    // A macro may be invoked in another file than its own.
    let macros: BTreeMap<String, MacroDefinition> = texts
        .iter()
        .flat_map(|text| macro_definitions(text))
        .collect();
    let mut functions = BTreeMap::new();
    for text in &texts {
        for mut signature in exported_signatures(text, &macros) {
            for (_, ty) in &mut signature.params {
                let unwrapped = ty.strip_prefix("Option<").and_then(|t| t.strip_suffix('>'));
                let name = unwrapped.unwrap_or(ty).rsplit("::").next().unwrap();
                if let Some((_, definition)) = aliases.iter().find(|(alias, _)| alias == name) {
                    *ty = definition.clone();
                }
            }
            let prototype = to_c(&signature);
            let previous = functions.insert(prototype.name.clone(), prototype);
            assert!(previous.is_none(), "{} is defined twice", signature.name);
        }
    }
    functions
}

/// Rust's own names of function pointer types (`Finalizer`, ...; the C
/// API's `*_t` names are declared in C too), with their definitions.
fn function_pointer_aliases(texts: &[String]) -> Vec<(String, String)> {
    let mut aliases = Vec::new();
    for text in texts {
        for line_start in text.match_indices("type ").map(|(at, _)| at) {
            let rest = &text[line_start + "type ".len()..];
            let Some((name, definition)) = rest.split_once(" = ") else {
                continue;
            };
            let definition = &definition[..definition.find(';').unwrap()];
            let is_rust_name =
                name.chars().all(|c| c.is_alphanumeric() || c == '_') && !name.ends_with("_t");
            if is_rust_name && definition.contains("extern \"C\" fn") {
                aliases.push((name.to_string(), definition.to_string()));
            }
        }
    }
    aliases
}

/// A Rust signature: `name`, `(name, type)` parameters, return type.
struct Signature {
    name: String,
    params: Vec<(String, String)>,
    result: Option<String>,
}

/// The `#[unsafe(no_mangle)]` functions of one file, those its
/// invocations of `macros` make included.
fn exported_signatures(text: &str, macros: &BTreeMap<String, MacroDefinition>) -> Vec<Signature> {
    let mut signatures = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[unsafe(no_mangle)]") {
        let after = &rest[at..];
        let fn_at = after.find("fn ").expect("a function after no_mangle");
        let signature_text = &after[fn_at + 3..];
        // Templates inside a `macro_rules!` are expanded below.
        if !signature_text.starts_with('$') {
            signatures.push(parse_signature(signature_text));
        }
        rest = &after[fn_at..];
    }
    for (name, definition) in macros {
        let invocation_start = format!("\n{name}! {{");
        let mut rest = text;
        while let Some(at) = rest.find(&invocation_start) {
            let body_start = at + invocation_start.len();
            let body_len = matching_close(&rest[body_start..], '{', '}');
            let input = tokens(&rest[body_start..body_start + body_len]);
            for bindings in definition.repetitions(&input, name) {
                for template in &definition.templates {
                    if let Some(filled) = fill(template, &bindings) {
                        signatures.push(parse_signature(&filled));
                    }
                }
            }
            rest = &rest[body_start + body_len..];
        }
    }
    signatures
}

/// A `macro_rules!` with one rule whose body defines exported functions.
struct MacroDefinition {
    /// The pattern inside its outer `$( ... )*`.
    repetition: Vec<PatternItem>,
    /// The text after each `fn ` of an exported function in the body.
    templates: Vec<String>,
}

enum PatternItem {
    Literal(String),
    Variable { name: String, fragment: String },
    Optional(Vec<PatternItem>),
}

fn macro_definitions(text: &str) -> BTreeMap<String, MacroDefinition> {
    let mut macros = BTreeMap::new();
    let mut rest = text;
    while let Some(at) = rest.find("macro_rules! ") {
        let after = &rest[at + "macro_rules! ".len()..];
        let name_len = after.find(' ').unwrap();
        let name = after[..name_len].to_string();
        let open = after.find('{').unwrap();
        let len = matching_close(&after[open + 1..], '{', '}');
        let definition = &after[open + 1..open + 1 + len];
        rest = &after[open + 1 + len..];
        if !definition.contains("#[unsafe(no_mangle)]") {
            continue;
        }
        let pattern_open = definition.find('(').unwrap();
        let pattern_len = matching_close(&definition[pattern_open + 1..], '(', ')');
        let pattern = tokens(&definition[pattern_open + 1..pattern_open + 1 + pattern_len]);
        let (items, _) = parse_pattern(&pattern, 0);
        let repetition = match <[PatternItem; 1]>::try_from(items) {
            Ok([PatternItem::Optional(inner)]) => inner,
            _ => panic!("macro {name}: expected a pattern `$( ... )*`"),
        };
        let templates = definition
            .split("#[unsafe(no_mangle)]")
            .skip(1)
            .map(|part| part[part.find("fn ").unwrap() + 3..].to_string())
            .collect();
        macros.insert(
            name,
            MacroDefinition {
                repetition,
                templates,
            },
        );
    }
    macros
}

/// Parses pattern tokens from `start` to the end or a closing `)`;
/// `$( ... )?` and `$( ... )*` both become `Optional` (`*` only at the
/// top, where [`MacroDefinition::repetitions`] repeats it).
fn parse_pattern(tokens: &[String], start: usize) -> (Vec<PatternItem>, usize) {
    let mut items = Vec::new();
    let mut i = start;
    // Literal parentheses opened and not yet closed.
    let mut depth = 0;
    while i < tokens.len() && (depth > 0 || tokens[i] != ")") {
        if tokens[i] == "$" && tokens[i + 1] == "(" {
            let (inner, close) = parse_pattern(tokens, i + 2);
            items.push(PatternItem::Optional(inner));
            // Skip `)` and the repetition operator (`?`, `*`).
            i = close + 2;
        } else if tokens[i] == "$" {
            items.push(PatternItem::Variable {
                name: tokens[i + 1].clone(),
                fragment: tokens[i + 3].clone(),
            });
            i += 4;
        } else {
            match tokens[i].as_str() {
                "(" => depth += 1,
                ")" => depth -= 1,
                _ => {}
            }
            items.push(PatternItem::Literal(tokens[i].clone()));
            i += 1;
        }
    }
    (items, i)
}

type Bindings = BTreeMap<String, String>;

impl MacroDefinition {
    /// The variables bound by each repetition of the invocation `input`.
    fn repetitions(&self, input: &[String], name: &str) -> Vec<Bindings> {
        let mut all = Vec::new();
        let mut at = 0;
        while at < input.len() {
            let mut bindings = Bindings::new();
            at = match_items(&self.repetition, input, at, &mut bindings)
                .unwrap_or_else(|| panic!("macro {name}: invocation does not match at token {at}"));
            all.push(bindings);
        }
        all
    }
}

/// Matches `items` against `input` from `at`; returns where it ended.
fn match_items(
    items: &[PatternItem],
    input: &[String],
    mut at: usize,
    bindings: &mut Bindings,
) -> Option<usize> {
    for (index, item) in items.iter().enumerate() {
        match item {
            PatternItem::Literal(literal) => {
                if input.get(at)? != literal {
                    return None;
                }
                at += 1;
            }
            PatternItem::Variable { name, fragment } if fragment == "ty" => {
                // A type runs to the next literal outside `<...>`.
                let Some(PatternItem::Literal(follow)) = items.get(index + 1) else {
                    panic!("a `ty` fragment must be followed by a literal");
                };
                let mut depth = 0;
                let start = at;
                while depth > 0 || input.get(at)? != follow {
                    match input[at].as_str() {
                        "<" => depth += 1,
                        ">" => depth -= 1,
                        _ => {}
                    }
                    at += 1;
                }
                bindings.insert(name.clone(), join_tokens(&input[start..at]));
            }
            PatternItem::Variable { name, .. } => {
                bindings.insert(name.clone(), input.get(at)?.clone());
                at += 1;
            }
            PatternItem::Optional(inner) => {
                let mut tried = bindings.clone();
                if let Some(end) = match_items(inner, input, at, &mut tried) {
                    *bindings = tried;
                    at = end;
                }
            }
        }
    }
    Some(at)
}

/// Tokens as Rust text: a space only between two words (`&mut T`).
fn join_tokens(tokens: &[String]) -> String {
    let is_word = |token: &str| token.chars().all(|c| c.is_alphanumeric() || c == '_');
    let mut text = String::new();
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 && is_word(&tokens[i - 1]) && is_word(token) {
            text.push(' ');
        }
        text.push_str(token);
    }
    text
}

/// The template with its `$variables` replaced, or `None` if it uses one
/// this repetition does not bind (it sits in an absent `$( ... )?`).
fn fill(template: &str, bindings: &Bindings) -> Option<String> {
    let signature_end = template.find('{').unwrap();
    let mut out = String::new();
    let mut rest = &template[..signature_end];
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let len = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        out.push_str(bindings.get(&after[..len])?);
        rest = &after[len..];
    }
    out.push_str(rest);
    out.push('{');
    Some(out)
}

/// Identifiers, numbers and single punctuation characters; comments and
/// string literals are dropped.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if c == '/' && text[i..].starts_with("//") {
            while chars.next_if(|&(_, c)| c != '\n').is_some() {}
        } else if c == '"' {
            while chars.next().is_some_and(|(_, c)| c != '"') {}
        } else if c.is_alphanumeric() || c == '_' {
            let mut end = i + c.len_utf8();
            while let Some((j, c)) = chars.next_if(|&(_, c)| c.is_alphanumeric() || c == '_') {
                end = j + c.len_utf8();
            }
            out.push(text[i..end].to_string());
        } else {
            out.push(c.to_string());
        }
    }
    out
}

/// The length of `text` up to the `close` matching an already opened
/// `open`.
fn matching_close(text: &str, open: char, close: char) -> usize {
    let mut depth = 1;
    for (i, c) in text.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    panic!("unbalanced {open}{close}");
}

/// Parses `name(params) -> result {` (the text after `fn `).
fn parse_signature(text: &str) -> Signature {
    let open = text.find('(').unwrap();
    let name = text[..open].trim().to_string();
    let params_len = matching_close(&text[open + 1..], '(', ')');
    let params_text = &text[open + 1..open + 1 + params_len];
    let after = &text[open + 1 + params_len + 1..];
    let result = after
        .trim_start()
        .strip_prefix("->")
        .map(|r| r[..r.find('{').unwrap()].trim().to_string());
    let params = split_top_level(params_text)
        .into_iter()
        .map(|param| {
            // `name: Type`, or only `Type` in a function pointer type.
            let name_len = param
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(0);
            match param[name_len..].strip_prefix(": ") {
                Some(ty) => (param[..name_len].to_string(), ty.to_string()),
                None => (String::new(), param),
            }
        })
        .collect();
    Signature {
        name,
        params,
        result,
    }
}

/// Splits at commas outside brackets; empty parts are dropped.
fn split_top_level(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '<' | '(' | '[' => depth += 1,
            // Not the `>` of `->`.
            '>' if current.ends_with('-') => {}
            '>' | ')' | ']' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

fn to_c(signature: &Signature) -> Prototype {
    let mut pointees = Vec::new();
    let result = match &signature.result {
        Some(rust) => c_type(rust, &mut pointees),
        None => "void".to_string(),
    };
    let params: Vec<String> = signature
        .params
        .iter()
        .map(|(name, rust)| {
            let name = name.trim_start_matches('_');
            let c = c_type(rust, &mut pointees);
            if name.is_empty() {
                c
            } else if c.contains("(*)") {
                c.replacen("(*)", &format!("(*{name})"), 1)
            } else if c.ends_with('*') {
                format!("{c}{name}")
            } else {
                format!("{c} {name}")
            }
        })
        .collect();
    let params = if params.is_empty() {
        "void".to_string()
    } else {
        params.join(", ")
    };
    let separator = if result.ends_with('*') { "" } else { " " };
    Prototype {
        name: signature.name.clone(),
        declaration: format!("{result}{separator}{}({params});", signature.name),
        pointees,
    }
}

/// The C type of a Rust parameter or result type; records the names of
/// the types it points to.
fn c_type(rust: &str, pointees: &mut Vec<String>) -> String {
    let rust = rust.trim();
    let pointer = |to: &str, constant: bool, pointees: &mut Vec<String>| {
        let pointee = c_type(to, pointees);
        if !pointee.ends_with('*') && !is_builtin(&pointee) {
            pointees.push(pointee.clone());
        }
        let space = if pointee.ends_with('*') { "" } else { " " };
        if constant {
            if pointee.ends_with('*') {
                format!("{pointee}const *")
            } else {
                format!("const {pointee} *")
            }
        } else {
            format!("{pointee}{space}*")
        }
    };
    if let Some(inner) = strip_wrapper(rust, "Option<") {
        return c_type(inner, pointees);
    }
    if let Some(function) = rust
        .strip_prefix("unsafe ")
        .unwrap_or(rust)
        .strip_prefix("extern \"C\" fn")
    {
        let function = parse_signature(&format!("{function} {{"));
        let pointer = to_c(&function);
        // `R (*)(P)`, which `to_c` turns into `R (*name)(P)`.
        return pointer
            .declaration
            .replacen("(", "(*)(", 1)
            .trim_end_matches(';')
            .to_string();
    }
    if let Some(inner) = strip_wrapper(rust, "Box<") {
        return pointer(inner, false, pointees);
    }
    if let Some(inner) = strip_wrapper(rust, "NonNull<") {
        return pointer(inner, false, pointees);
    }
    // `boundary::CMut`: read only, but C declares `T *`.
    if let Some(inner) = strip_wrapper(rust, "CMut<") {
        return pointer(inner, false, pointees);
    }
    if let Some(inner) = rust.strip_prefix("&mut ") {
        return pointer(inner, false, pointees);
    }
    if let Some(inner) = rust.strip_prefix('&') {
        return pointer(inner, true, pointees);
    }
    if let Some(inner) = rust.strip_prefix("*mut ") {
        return pointer(inner, false, pointees);
    }
    if let Some(inner) = rust.strip_prefix("*const ") {
        return pointer(inner, true, pointees);
    }
    let name = rust.rsplit("::").next().unwrap();
    match name {
        "bool" => "bool",
        "u8" => "uint8_t",
        "u16" => "uint16_t",
        "u32" => "uint32_t",
        "u64" => "uint64_t",
        "i8" => "int8_t",
        "i32" => "int32_t",
        "i64" => "int64_t",
        "usize" => "size_t",
        "isize" => "ptrdiff_t",
        "f32" => "float",
        "f64" => "double",
        "c_char" => "char",
        "c_int" => "int",
        "c_void" => "void",
        other => return other.to_string(),
    }
    .to_string()
}

fn strip_wrapper<'a>(rust: &'a str, wrapper: &str) -> Option<&'a str> {
    rust.strip_prefix(wrapper)?.strip_suffix('>')
}

fn is_builtin(c: &str) -> bool {
    let base = c.trim_start_matches("const ");
    matches!(
        base,
        "void" | "bool" | "char" | "int" | "float" | "double" | "size_t"
    ) || base.ends_with("int8_t")
        || base.ends_with("int16_t")
        || base.ends_with("int32_t")
        || base.ends_with("int64_t")
}
