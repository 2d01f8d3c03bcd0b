"""Files through real decoders and encoders: probe, intake (capped download), the face
pre-check, the asset board, one-click fixes, stitching and fitting a result to a size."""

from bot.media.board import render_board
from bot.media.faces import detect_faces
from bot.media.fit import FitError, fit_to_size
from bot.media.fixes import FixError, FixOption, apply_fix, plan_fixes
from bot.media.intake import DownloadedFile, copy_into, download, probe_upload
from bot.media.probe import UnreadableMedia, probe
from bot.media.stitch import StitchError, stitch

__all__ = [
    "DownloadedFile",
    "FitError",
    "FixError",
    "FixOption",
    "StitchError",
    "UnreadableMedia",
    "apply_fix",
    "copy_into",
    "detect_faces",
    "download",
    "fit_to_size",
    "plan_fixes",
    "probe",
    "probe_upload",
    "render_board",
    "stitch",
]
