//! The folders the operating system gives a user's own data and caches:
//! the case record lives in the first, fetched basemap tiles in the second.

use std::path::PathBuf;

/// `redline`'s folder for the user's data: `%APPDATA%\redline\data`,
/// `~/Library/Application Support/redline`, `$XDG_DATA_HOME/redline`.
pub fn data_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        env_dir("APPDATA").map(|p| p.join("redline").join("data"))
    } else if cfg!(target_os = "macos") {
        std::env::home_dir().map(|p| p.join("Library/Application Support/redline"))
    } else {
        env_dir("XDG_DATA_HOME")
            .or_else(|| std::env::home_dir().map(|p| p.join(".local").join("share")))
            .map(|p| p.join("redline"))
    }
}

/// `redline`'s folder for what can be fetched again: `%LOCALAPPDATA%\redline\cache`,
/// `~/Library/Caches/redline`, `$XDG_CACHE_HOME/redline`.
pub fn cache_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        env_dir("LOCALAPPDATA").map(|p| p.join("redline").join("cache"))
    } else if cfg!(target_os = "macos") {
        std::env::home_dir().map(|p| p.join("Library/Caches/redline"))
    } else {
        env_dir("XDG_CACHE_HOME")
            .or_else(|| std::env::home_dir().map(|p| p.join(".cache")))
            .map(|p| p.join("redline"))
    }
}

/// A folder named by an environment variable; a relative one is ignored,
/// as the XDG specification says.
fn env_dir(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}
