//! IDX (the MNIST file format) parsing and the `mnist`, `fashion-mnist` and `idx:DIR` loaders.
//!
//! A directory holds `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
//! `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each optionally gzipped (`.gz`).
//! Files are parsed as bytes, validated (magic, dimensions, exact length, label count, label
//! range), and pixels are scaled to `[0, 1]` by dividing by 255. Shape is `[1, rows, cols]`.
//!
//! Sample ids: train sample `i` has id `i`, test sample `i` has id
//! [`TEST_ID_OFFSET`]` + i`. Training samples get owners from
//! [`OwnerAssignment`]; test samples get none.

use crate::{DataError, Dataset, OwnerAssignment, Split, TEST_ID_OFFSET};
use std::io::Read;
use std::path::{Path, PathBuf};

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;

/// Fashion-MNIST's class names, in label order.
pub const FASHION_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Validated images: `count` images of `rows × cols` bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Images<'a> {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    pub pixels: &'a [u8],
}

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Checks the header is present, the magic matches, and the file is exactly as long as the
/// header says; returns the header's dimensions.
fn check(
    bytes: &[u8],
    path: &Path,
    magic: u32,
    what: &str,
    ndims: usize,
) -> Result<Vec<usize>, DataError> {
    let header = 4 + 4 * ndims;
    if bytes.len() < 4 {
        return Err(DataError::idx(
            path,
            bytes.len() as u64,
            format!(
                "truncated: {} bytes, an IDX header needs {header}",
                bytes.len()
            ),
        ));
    }
    let found = be_u32(bytes, 0);
    if found != magic {
        return Err(DataError::idx(
            path,
            0,
            format!("bad magic 0x{found:08x}, expected 0x{magic:08x} ({what})"),
        ));
    }
    if bytes.len() < header {
        return Err(DataError::idx(
            path,
            bytes.len() as u64,
            format!("truncated header: {} bytes, need {header}", bytes.len()),
        ));
    }
    let dims: Vec<usize> = (0..ndims)
        .map(|d| be_u32(bytes, 4 + 4 * d) as usize)
        .collect();
    let body = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let expected = body
        .and_then(|b| b.checked_add(header))
        .ok_or_else(|| DataError::idx(path, 4, format!("dimensions {dims:?} overflow")))?;
    if bytes.len() < expected {
        return Err(DataError::idx(
            path,
            bytes.len() as u64,
            format!(
                "truncated: header {dims:?} needs {expected} bytes, the data ends at byte {}",
                bytes.len()
            ),
        ));
    }
    if bytes.len() > expected {
        return Err(DataError::idx(
            path,
            expected as u64,
            format!(
                "{} unexpected trailing bytes after the {expected} that header {dims:?} describes",
                bytes.len() - expected
            ),
        ));
    }
    Ok(dims)
}

/// Parses an IDX3 unsigned-byte image file.
pub(crate) fn parse_images<'a>(bytes: &'a [u8], path: &Path) -> Result<Images<'a>, DataError> {
    let dims = check(bytes, path, IMAGES_MAGIC, "IDX3 unsigned-byte images", 3)?;
    if dims[1] == 0 || dims[2] == 0 {
        return Err(DataError::idx(
            path,
            8,
            format!("empty image size {}x{}", dims[1], dims[2]),
        ));
    }
    Ok(Images {
        count: dims[0],
        rows: dims[1],
        cols: dims[2],
        pixels: &bytes[16..],
    })
}

/// Parses an IDX1 unsigned-byte label file; every label must be below `num_classes`.
pub(crate) fn parse_labels<'a>(
    bytes: &'a [u8],
    path: &Path,
    num_classes: usize,
) -> Result<&'a [u8], DataError> {
    check(bytes, path, LABELS_MAGIC, "IDX1 unsigned-byte labels", 1)?;
    let labels = &bytes[8..];
    if let Some(i) = labels.iter().position(|&l| l as usize >= num_classes) {
        return Err(DataError::idx(
            path,
            8 + i as u64,
            format!(
                "label {} of sample {i} is not below {num_classes}",
                labels[i]
            ),
        ));
    }
    Ok(labels)
}

/// Reads `dir/name`, or else `dir/name.gz` decompressed; returns the path actually read.
pub(crate) fn read_maybe_gz(
    dir: &Path,
    name: &str,
    hint: &str,
) -> Result<(PathBuf, Vec<u8>), DataError> {
    let plain = dir.join(name);
    match std::fs::read(&plain) {
        Ok(bytes) => return Ok((plain, bytes)),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(DataError::io(plain, e, hint))
        }
        Err(_) => {}
    }
    let gz = dir.join(format!("{name}.gz"));
    let compressed = std::fs::read(&gz).map_err(|e| {
        let hint = format!(" (nor {}){hint}", gz.display());
        DataError::io(&plain, e, &hint)
    })?;
    let mut bytes = Vec::with_capacity(compressed.len() * 2);
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_end(&mut bytes)
        .map_err(|e| DataError::idx(&gz, bytes.len() as u64, format!("bad gzip data: {e}")))?;
    Ok((gz, bytes))
}

/// The images of one IDX file (`…-idx3-ubyte`, or gzip-compressed), flattened row-major and
/// scaled to `[0, 1]` as the loaders scale them; returns (values, values per image).
pub fn read_image_rows(path: &Path) -> Result<(Vec<f32>, usize), DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e, ""))?;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(bytes.len() * 4);
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|e| DataError::idx(path, 0, format!("bad gzip data: {e}")))?;
        out
    } else {
        bytes
    };
    let images = parse_images(&bytes, path)?;
    let values = images
        .pixels
        .iter()
        .map(|&p| f32::from(p) / 255.0)
        .collect();
    Ok((values, images.rows * images.cols))
}

/// One split from an images file and a labels file in `dir`.
fn load_split(
    dir: &Path,
    prefix: &str,
    num_classes: usize,
    id_offset: u64,
    hint: &str,
) -> Result<(Split, [usize; 2]), DataError> {
    let (ipath, ibytes) = read_maybe_gz(dir, &format!("{prefix}-images-idx3-ubyte"), hint)?;
    let (lpath, lbytes) = read_maybe_gz(dir, &format!("{prefix}-labels-idx1-ubyte"), hint)?;
    let images = parse_images(&ibytes, &ipath)?;
    let labels = parse_labels(&lbytes, &lpath, num_classes)?;
    if labels.len() != images.count {
        return Err(DataError::idx(
            &lpath,
            4,
            format!(
                "{} labels but {} holds {} images",
                labels.len(),
                ipath.display(),
                images.count
            ),
        ));
    }
    let n = images.count;
    let split = Split {
        ids: (0..n as u64).map(|i| id_offset + i).collect(),
        features: images
            .pixels
            .iter()
            .map(|&p| f32::from(p) / 255.0)
            .collect(),
        labels: labels.iter().map(|&l| u32::from(l)).collect(),
        owners: vec![None; n],
        groups: Default::default(),
        dim: images.rows * images.cols,
    };
    Ok((split, [images.rows, images.cols]))
}

/// Loads an IDX directory as dataset `name`. With `class_names = None` the classes are `"0"`,
/// `"1"`, … up to the largest label seen.
pub(crate) fn load_dir(
    dir: &Path,
    name: &str,
    class_names: Option<Vec<String>>,
    owners: &OwnerAssignment,
    hint: &str,
) -> Result<Dataset, DataError> {
    let limit = class_names.as_ref().map_or(256, Vec::len);
    let (mut train, [rows, cols]) = load_split(dir, "train", limit, 0, hint)?;
    let (test, test_shape) = load_split(dir, "t10k", limit, TEST_ID_OFFSET, hint)?;
    if test_shape != [rows, cols] {
        return Err(DataError::idx(
            dir.join("t10k-images-idx3-ubyte"),
            8,
            format!(
                "test images are {test_shape:?}, train images are {:?}",
                [rows, cols]
            ),
        ));
    }
    if train.len() as u64 > TEST_ID_OFFSET {
        return Err(DataError::InvalidOption(format!(
            "{}: more than {TEST_ID_OFFSET} training images would collide with test ids",
            dir.display()
        )));
    }
    let class_names = class_names.unwrap_or_else(|| {
        let max = train
            .labels
            .iter()
            .chain(&test.labels)
            .max()
            .map_or(0, |&m| m + 1);
        (0..max).map(|c| c.to_string()).collect()
    });
    train.owners = owners
        .assign(&train.labels, class_names.len())
        .into_iter()
        .map(Some)
        .collect();
    Ok(Dataset {
        name: name.to_string(),
        shape: vec![1, rows, cols],
        num_classes: class_names.len(),
        class_names,
        train,
        test,
        csv: None,
    })
}

#[cfg(test)]
pub(crate) mod tests;
