#!/usr/bin/python3
"""The DICOM oracle: decodes every file under a folder with pydicom (+ GDCM, numpy) and writes, per file, the
modality values of frame 0 before windowing, as CipherLens computes them (test/core/image/dicom-oracle.test.ts
compares the two; scripts/dicom-oracle-report.ts writes docs/dicom.md from the comparison).

    /usr/bin/python3 scripts/dicom-oracle.py <folder> <out-folder>

<out-folder>/index.json lists every file; decoded ones get <out-folder>/<n>.f64, little-endian float64, rows ×
columns values of frame 0:
- monochrome: pydicom's pixel_array with apply_modality_lut (Rescale Slope/Intercept);
- colour: ITU-R BT.601 luma 0.299 R + 0.587 G + 0.114 B of pydicom's RGB, or the Y component itself where pydicom
  leaves the data as YBR_FULL / YBR_FULL_422 (the same rule as CipherLens, see docs/dicom.md).
Runs once for all files (about a second per hundred small files), so the test stays fast.
"""
import json
import os
import sys
import warnings

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut


def main() -> None:
    root, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    warnings.simplefilter("ignore")
    entries = []
    paths = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            paths.append(os.path.join(folder, name))
    for number, path in enumerate(sorted(paths)):
        entries.append(oracle(path, os.path.relpath(path, root), number, out))
    handlers = [h.__name__.rsplit(".", 1)[-1] for h in pydicom.config.pixel_data_handlers if h.is_available()]
    with open(os.path.join(out, "index.json"), "w", encoding="utf-8") as index:
        json.dump({"pydicom": pydicom.__version__, "numpy": np.__version__, "handlers": handlers,
                   "files": entries}, index, indent=1)


def oracle(path: str, relative: str, number: int, out: str) -> dict:
    entry = {"file": relative}
    try:
        ds = pydicom.dcmread(path, force=True)
    except Exception as error:  # pydicom cannot read it at all
        entry.update(status="unreadable", error=f"{type(error).__name__}: {error}"[:300])
        return entry
    meta = getattr(ds, "file_meta", None)
    entry["transferSyntax"] = str(getattr(meta, "TransferSyntaxUID", "")) if meta is not None else ""
    entry["photometric"] = str(ds.get("PhotometricInterpretation", ""))
    entry["bitsAllocated"] = int(ds.get("BitsAllocated", 0) or 0)
    entry["bitsStored"] = int(ds.get("BitsStored", 0) or 0)
    entry["signed"] = ds.get("PixelRepresentation", 0) == 1
    entry["frames"] = str(ds.get("NumberOfFrames", 1))
    if not any(tag in ds for tag in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
        entry["status"] = "no-pixels"
        return entry
    try:
        array = ds.pixel_array
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
        if frames > 1:
            array = array[0]
        if samples == 1:
            values = np.asarray(apply_modality_lut(array, ds), dtype=np.float64)
        else:
            # pydicom's GDCM handler turns JPEG baseline YBR into RGB and says so by changing the photometric.
            now = str(ds.PhotometricInterpretation)
            rgb = np.asarray(array, dtype=np.float64)
            if now.startswith("YBR_FULL"):
                values = rgb[..., 0]
            else:
                values = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
            entry["decodedAs"] = now
    except Exception as error:
        entry.update(status="pydicom-error", error=f"{type(error).__name__}: {error}"[:300])
        return entry
    if values.ndim != 2:
        entry.update(status="pydicom-error", error=f"unexpected decoded shape {values.shape}")
        return entry
    entry.update(status="decoded", rows=int(values.shape[0]), columns=int(values.shape[1]), values=f"{number}.f64")
    values.astype("<f8").tofile(os.path.join(out, f"{number}.f64"))
    return entry


if __name__ == "__main__":
    main()
