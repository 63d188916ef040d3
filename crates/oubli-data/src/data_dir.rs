//! Where fetched datasets live: one directory that both fetching and loading resolve the
//! same way, wherever the command runs from.
//!
//! The first of these wins:
//! 1. `$OUBLI_DATA_DIR`, when set and not empty;
//! 2. `./data`, when it is a directory (a checkout where `scripts/fetch-datasets.sh` was run
//!    before the per-user cache existed keeps working);
//! 3. `$XDG_CACHE_HOME/oubli/data`, when `XDG_CACHE_HOME` is an absolute path;
//! 4. `$HOME/.cache/oubli/data`;
//! 5. `./data` (no home directory at all).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The data directory of this process (see the [module docs](self) for the order).
pub fn default_data_dir() -> PathBuf {
    resolve_data_dir(|k| std::env::var_os(k), Path::new("data").is_dir())
}

/// [`default_data_dir`] with the environment and the `./data` test given, for testing.
fn resolve_data_dir(env: impl Fn(&str) -> Option<OsString>, local_data_exists: bool) -> PathBuf {
    let set = |k: &str| env(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = set("OUBLI_DATA_DIR") {
        return dir;
    }
    if local_data_exists {
        return PathBuf::from("data");
    }
    if let Some(cache) = set("XDG_CACHE_HOME").filter(|p| p.is_absolute()) {
        return cache.join("oubli").join("data");
    }
    match set("HOME") {
        Some(home) => home.join(".cache").join("oubli").join("data"),
        None => PathBuf::from("data"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn the_variable_then_local_data_then_the_per_user_cache() {
        let all = [
            ("OUBLI_DATA_DIR", "/d"),
            ("XDG_CACHE_HOME", "/x"),
            ("HOME", "/h"),
        ];
        assert_eq!(resolve_data_dir(env(&all), true), PathBuf::from("/d"));
        assert_eq!(
            resolve_data_dir(env(&all[1..]), true),
            PathBuf::from("data")
        );
        assert_eq!(
            resolve_data_dir(env(&all[1..]), false),
            PathBuf::from("/x/oubli/data")
        );
        assert_eq!(
            resolve_data_dir(env(&all[2..]), false),
            PathBuf::from("/h/.cache/oubli/data")
        );
        assert_eq!(resolve_data_dir(env(&[]), false), PathBuf::from("data"));
    }

    #[test]
    fn empty_or_relative_variables_are_ignored() {
        let vars = [
            ("OUBLI_DATA_DIR", ""),
            ("XDG_CACHE_HOME", "rel"),
            ("HOME", "/h"),
        ];
        assert_eq!(
            resolve_data_dir(env(&vars), false),
            PathBuf::from("/h/.cache/oubli/data")
        );
    }
}
