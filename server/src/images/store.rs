//! Where uploaded images are kept. Behind [`ImageStore`] so an object store
//! can replace the disk later; names are the content's SHA-256, so a name
//! always means the same bytes and may be cached for ever.

use async_trait::async_trait;
use std::io;
use std::path::PathBuf;

/// Keeps and hands back image files by name (`{sha256}.{ext}`).
#[async_trait]
pub trait ImageStore: Send + Sync + std::fmt::Debug {
    /// Stores `bytes` as `name`; storing the same name again is harmless.
    async fn put(&self, name: &str, bytes: &[u8]) -> io::Result<()>;
    /// The bytes of `name`, or `None`.
    async fn get(&self, name: &str) -> io::Result<Option<Vec<u8>>>;
}

/// Files in one directory of the data directory (`BAZAAR_IMAGE_DIR`).
#[derive(Debug, Clone)]
pub struct DiskStore {
    dir: PathBuf,
}

impl DiskStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DiskStore { dir: dir.into() }
    }
}

#[async_trait]
impl ImageStore for DiskStore {
    async fn put(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        tokio::fs::create_dir_all(&self.dir).await?;
        let path = self.dir.join(name);
        if tokio::fs::try_exists(&path).await? {
            return Ok(());
        }
        // Written aside and renamed, so a reader never sees half a file.
        let partial = self.dir.join(format!(".{name}.{}.part", std::process::id()));
        tokio::fs::write(&partial, bytes).await?;
        tokio::fs::rename(&partial, &path).await
    }

    async fn get(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.dir.join(name)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }
}
