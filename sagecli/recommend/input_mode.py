"""Decide how a training job reads its data: File, Pipe, FastFile, FSx for Lustre or EFS.

Thresholds and source/mode compatibility come from content/input_modes.yaml and data_sources.yaml
(decision guide section 3: File for small data, FastFile first for large files, FSx for huge, random
or shared data, EFS when the data already lives there). The documented exceptions (augmented manifests
need Pipe, Pipe-only shuffling, one reader per pipe, file systems need a VPC and File mode, per-algorithm
format limits, a built-in algorithm's documented modes first) are rules in content/rules/input_mode.yaml.
"""

from __future__ import annotations

from typing import Any

from sagecli.errors import UsageError
from sagecli.recommend.advice import algorithm_record
from sagecli.recommend.kbfacts import MB_PER_GB, bound, fmt, limit, page
from sagecli.recommend.ranking import Decision
from sagecli.recommend.rules import apply_rules

OPTIONS: dict[str, str] = {
    "file": "file-mode",
    "fastfile": "fastfile-mode",
    "pipe": "pipe-mode",
    "fsx_lustre": "fsx-lustre-data-source",
    "efs": "efs-data-source",
}
S3_MODES = ("file", "fastfile", "pipe")
FILE_SYSTEMS = {"fsx_lustre": "fsx", "efs": "efs"}
MODE_OPTION = {"File": "file", "FastFile": "fastfile", "Pipe": "pipe"}  # TrainingInputMode -> option
# Formats a pipe streams as records (PipeModeDataset reads text, TFRecord and RecordIO; CSV works in Pipe mode).
STREAMABLE = ("recordio-protobuf", "csv", "tfrecord", "text", "image-recordio")
DOCUMENTED_FIRST = "builtin-documented-modes-first"
# Built-ins whose pages ask for a sharded train channel on several instances (k-means.html; xgboost.html:
# distributed CPU training needs ShardedByS3Key and at least as many files as instances).
SHARDED_TRAIN = {"k-means": "K-Means recommends ShardedByS3Key for its train channel",
                 "xgboost": "distributed XGBoost CPU training reads a ShardedByS3Key train channel"}
BEST = "https://docs.aws.amazon.com/sagemaker/latest/dg/model-access-training-data-best-practices.html"


def derive_sizes(f: dict[str, Any]) -> dict[str, float]:
    """Fill dataset size or average file size from the other two facts, when possible."""
    out: dict[str, float] = {}
    if f.get("avg_file_mb") is None and f.get("dataset_gb") is not None and f.get("files"):
        out["avg_file_mb"] = round(f["dataset_gb"] * MB_PER_GB / f["files"], 3)
    if f.get("dataset_gb") is None and f.get("avg_file_mb") is not None and f.get("files"):
        out["dataset_gb"] = round(f["avg_file_mb"] * f["files"] / MB_PER_GB, 3)
    return out


def _source_rules(d: Decision, kb: Any, f: dict[str, Any]) -> None:
    # VPC, augmented manifests and "EFS only for data already in EFS" are rules in content/rules/input_mode.yaml
    storage = f["storage"]
    for opt in S3_MODES:
        if storage != "s3":
            d[opt].exclude(f"{kb.get(OPTIONS[opt])['name']} reads from S3; the data lives in {storage.upper()}",
                           page(kb, OPTIONS[opt]))
    for opt, fs in FILE_SYSTEMS.items():
        rec = kb.get(OPTIONS[opt])
        if storage == fs:
            d[opt].adjust(1.5, f"the data already lives in {rec['name']}: mount it as the channel", page(kb, rec["id"]))
        elif storage == "s3" and fs == "fsx":
            d[opt].adjust(-0.3, f"the data would first have to reach {rec['name']}")
        elif storage != "s3":
            d[opt].exclude(f"the data lives in {storage.upper()}, not {rec['name']}")
    if f.get("format") in STREAMABLE:
        d["pipe"].adjust(0.3, f"{f['format']} streams well through a pipe", page(kb, "pipe-mode"))


def documented_options(modes: list[str]) -> set[str]:
    """The options a built-in algorithm's documented input modes allow (file-system channels run in File mode)."""
    out = {MODE_OPTION[m] for m in modes if m in MODE_OPTION}
    if "File" in modes:
        out |= set(FILE_SYSTEMS)
    return out


def _algorithm_rules(d: Decision, kb: Any, f: dict[str, Any]) -> None:
    alg_id, mode = f.get("algorithm") or "custom", f.get("algorithm_mode")
    if alg_id == "custom":
        if mode:
            raise UsageError("--algorithm-mode applies to built-in algorithms only")
        return
    alg = algorithm_record(kb, alg_id)
    if mode and mode not in (alg.get("modes") or {}):
        known = ", ".join(alg.get("modes") or {}) or "none"
        raise UsageError(f"{alg['name']} has no mode {mode!r}; known modes: {known}")
    modes = alg["input_modes"]
    src = page(kb, alg["id"])
    documented = documented_options(modes)
    for opt, cand in d.candidates.items():
        cand.extra["documented"] = opt in documented
    if "Pipe" not in modes:
        d["pipe"].exclude(f"{alg['name']} supports {', '.join(modes)} input only", src)
    elif f.get("format") != "augmented-manifest":
        d["pipe"].adjust(0.2, f"{alg['name']} supports Pipe mode", src)
    for opt in FILE_SYSTEMS:
        if "File" not in modes:
            d[opt].exclude(f"file-system channels use File mode, which {alg['name']} does not support", src)
    d.fire("algorithm", f"{alg['name']} input modes: {', '.join(modes)}", src)


def _documented_first(d: Decision, fired: list[str], kb: Any) -> None:
    """Rule builtin-documented-modes-first: no undocumented option ranks above a documented one that fits."""
    if DOCUMENTED_FIRST not in fired:
        return
    documented = [c for c in d.candidates.values() if c.eligible and c.extra.get("documented")]
    if not documented:
        return
    floor = min(c.raw for c in documented)
    rule = kb.get(DOCUMENTED_FIRST)
    for cand in d.candidates.values():
        if cand.eligible and cand.extra.get("documented") is False and cand.raw >= floor:
            cand.adjust(floor - 0.1 - cand.raw, "kept below every documented mode that fits",
                        rule["sources"][0])


def _size_rules(d: Decision, kb: Any, f: dict[str, Any]) -> None:
    gb, avg = f.get("dataset_gb"), f.get("avg_file_mb")
    small, ssrc = limit(kb, "file-mode", "small_dataset_gb")
    large, _ = bound(kb, "file-mode", "small_dataset_gb", "max")
    if gb is not None:
        disk = f.get("local_disk_gb")
        if disk is not None and gb > disk:
            d["file"].exclude(f"{fmt(gb)} GB does not fit the {fmt(disk)} GB volume; File mode copies it all",
                              page(kb, "file-mode"))
            d["pipe"].adjust(0.3, "Pipe mode needs disk only for the model artifacts", page(kb, "pipe-mode"))
            d["fastfile"].adjust(0.3, "the dataset need not fit the volume: FastFile streams on demand",
                                 page(kb, "fastfile-mode"))
            d.fire("volume-too-small", f"{fmt(gb)} GB does not fit a {fmt(disk)} GB storage volume",
                   page(kb, "file-mode"))
        if gb <= small:
            d["file"].adjust(1.0, f"{fmt(gb)} GB is within about {fmt(small)} GB: File mode downloads it in minutes",
                             ssrc)
        elif gb > large:
            d["file"].adjust(-1.5, f"{fmt(gb)} GB is over {fmt(large)} GB: the download delays the start and "
                                   "needs a volume that holds it all", ssrc)
            d["fastfile"].adjust(1.0, "streams a large dataset on demand", ssrc)
            d["fsx_lustre"].adjust(0.8, "built for datasets too big for File mode", ssrc)
            d["pipe"].adjust(0.3, "streams, so the volume only holds the model")
        else:
            d["fastfile"].adjust(0.3, f"{fmt(gb)} GB is between {fmt(small)} and {fmt(large)} GB: File mode "
                                      "still works, FastFile starts sooner", ssrc)
        d.fire("dataset-size", f"dataset {fmt(gb)} GB (File mode suits under about {fmt(small)}-{fmt(large)} GB)",
               ssrc)
    if avg is not None:
        min_mb, msrc = limit(kb, "fastfile-mode", "min_file_mb")
        ideal, _ = limit(kb, "fastfile-mode", "ideal_file_mb")
        if avg < min_mb:
            d["fastfile"].adjust(-1.0, f"files average {fmt(avg)} MB, under {fmt(min_mb)} MB: serialize them into "
                                       f"about {fmt(ideal)} MB files (TFRecord, RecordIO) first", msrc)
            d["fsx_lustre"].adjust(0.8, "handles many small files that cannot be serialized", msrc)
            d.fire("small-files", f"files under {fmt(min_mb)} MB", msrc)
        else:
            d["fastfile"].adjust(0.8, f"files average {fmt(avg)} MB (over {fmt(min_mb)} MB): try FastFile first", msrc)


def _access_rules(d: Decision, kb: Any, f: dict[str, Any]) -> None:
    if f["access"] == "random":
        d["fastfile"].adjust(-0.5, "random reads work, but sequential reads are fastest", page(kb, "fastfile-mode"))
        d["fsx_lustre"].adjust(1.0, "random reads at high IOPS", BEST)
        d["file"].adjust(0.3, "random reads from the local volume")
    small, _ = limit(kb, "file-mode", "small_dataset_gb")
    if f["fast_start"]:
        gb = f.get("dataset_gb")
        d["file"].adjust(-0.3 if gb is not None and gb <= small else -1.0,
                         "downloads everything before training starts", page(kb, "file-mode"))
        d["fastfile"].adjust(1.0, "streams on demand, so training starts at once", page(kb, "fastfile-mode"))
        d["pipe"].adjust(0.5, "streams, so training starts quickly", page(kb, "pipe-mode"))
        d["fsx_lustre"].adjust(0.3, "mounts in the same time at any size (lazy loading adds a cold start)", BEST)
        d["efs"].adjust(0.3, "mounts instead of downloading")
    if f["shared"]:
        d["fsx_lustre"].adjust(1.0, "many jobs or instances share one mount; nothing is downloaded per job", BEST)
        d["efs"].adjust(0.5, "a shared file system for many readers")
        d["file"].adjust(-0.5, "every job and instance downloads its own copy")
    if f["posix"]:
        for opt in ("pipe", "fastfile"):
            d[opt].exclude(f"{kb.get(OPTIONS[opt])['name']} gives no full POSIX semantics (no file locking)",
                           page(kb, OPTIONS[opt]))
        d["efs"].adjust(0.8, "full POSIX file system")
        d["fsx_lustre"].adjust(0.8, "full POSIX file system")
        d["file"].adjust(0.3, "ordinary local files")


def _priority_rules(d: Decision, f: dict[str, Any]) -> None:
    table = {
        "cost": (("file", 0.5, "no file system to pay for"), ("fastfile", 0.5, "no file system to pay for"),
                 ("pipe", 0.3, "small volumes"), ("fsx_lustre", -0.8, "a file system bills while it exists"),
                 ("efs", -0.5, "a file system bills for storage")),
        "throughput": (("fsx_lustre", 1.0, "hundreds of GB/s"), ("pipe", 0.5, "streams at high throughput"),
                       ("fastfile", 0.3, "parallel S3 streaming")),
        "ops": (("fastfile", 0.8, "no file system, no VPC, unchanged File-mode code"),
                ("file", 0.5, "the default, nothing to set up"), ("fsx_lustre", -0.5, "a file system and VPC to run"),
                ("efs", -0.3, "a file system and VPC to run"), ("pipe", -0.5, "code must read a FIFO")),
    }
    p = f.get("priority")
    for opt, pts, why in table.get(p or "", ()):
        d[opt].adjust(pts, f"priority {p}: {why}")


def distribution(f: dict[str, Any], kb: Any, choice: str | None) -> dict[str, Any] | None:
    """How S3 objects are spread over the training instances (S3DataDistributionType) for the choice."""
    if choice not in S3_MODES:
        return None
    n, files = f.get("instances") or 1, f.get("files")
    rec = kb.records.get(f.get("algorithm") or "custom") or {}
    alg = rec.get("id")
    if alg == "random-cut-forest":
        rid = "sharded-by-s3-key"
        return {"type": kb.get(rid)["api_value"], "source": rec["sources"][0],
                "reason": "Random Cut Forest's train channel supports only ShardedByS3Key"}
    if alg == "image-classification" and choice == "pipe" and f.get("format") == "image-recordio":
        rid = "fully-replicated"
        return {"type": kb.get(rid)["api_value"], "source": rec["sources"][0],
                "reason": "Image Classification reading RecordIO in Pipe mode needs FullyReplicated"}
    if alg == "xgboost" and "dask-gpu-training" in (f.get("needs") or ()):
        rid = "fully-replicated"
        return {"type": kb.get(rid)["api_value"], "source": rec["sources"][0],
                "reason": "XGBoost Dask GPU training reads its data FullyReplicated"}
    if alg in SHARDED_TRAIN and n > 1:
        rid = "sharded-by-s3-key"
        why = SHARDED_TRAIN[alg]
        if files is not None and files < n:
            why += f"; give at least {n} files (now {files}) so that no instance is left without data"
        return {"type": kb.get(rid)["api_value"], "source": rec["sources"][0], "reason": why}
    # A built-in whose only multi-instance mode documents FullyReplicated (BlazingText batch_skipgram).
    multi = [(name, m) for name, m in (rec.get("modes") or {}).items() if m.get("multi_instance")]
    replicated = n > 1 and multi and all("FullyReplicated" in (m.get("note") or "") for _, m in multi)
    if replicated:
        modes = ", ".join(name for name, _ in multi)
        rid = "fully-replicated"
        return {"type": kb.get(rid)["api_value"], "source": rec["sources"][0],
                "reason": f"{rec['name']} trains on several instances only in {modes}, whose train channel must "
                          "be FullyReplicated"}
    if n > 1 and (files is None or files >= n):
        rid, why = "sharded-by-s3-key", f"{n} instances: each reads about 1/{n} of the objects"
    elif n > 1:
        rid, why = "fully-replicated", f"only {files} objects for {n} instances: sharding would leave some idle"
    else:
        rid, why = "fully-replicated", "one instance reads everything"
    rec = kb.get(rid)
    return {"type": rec["api_value"], "reason": why, "source": page(kb, rid)}


def decide_input_mode(f: dict[str, Any], kb: Any, disabled: frozenset[str] = frozenset()) -> Decision:
    """Rank the training input options for the given facts (inputs merged with defaults)."""
    d = Decision("input_mode")
    for opt, rid in OPTIONS.items():
        d.add(opt, page(kb, rid), record=rid)
    d["file"].adjust(0.5, "the default mode, simplest to run", page(kb, "file-mode"))
    d["pipe"].adjust(-0.3, "largely replaced by FastFile", page(kb, "pipe-mode"))
    for opt, penalty in (("fsx_lustre", -0.3), ("efs", -0.5)):
        if f["storage"] != FILE_SYSTEMS[opt]:  # data already there: nothing to create
            d[opt].adjust(penalty, "a file system to create and pay for")
    _source_rules(d, kb, f)
    _algorithm_rules(d, kb, f)
    _size_rules(d, kb, f)
    _access_rules(d, kb, f)
    _priority_rules(d, f)
    fired = apply_rules(d, f, kb, disabled)
    _documented_first(d, fired, kb)
    return d
