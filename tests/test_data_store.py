"""The data set on disk: byte-identical rebuilds, the loader, and corruption detection."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rulelang.data import DataSet, MakeOptions, make_dataset
from rulelang.data.audit import audit
from rulelang.data.store import MANIFEST, file_record, npy_bytes
from rulelang.errors import RulelangError


@pytest.fixture(scope="module")
def built(dialect, tmp_path_factory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("data") / "tiny", MakeOptions.tiny(seed=11), dialect=dialect)


@pytest.fixture
def copy(built, tmp_path) -> Path:
    """A private copy of the tiny data set, to damage."""
    return Path(shutil.copytree(built, tmp_path / "copy"))


def files_of(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir())}


def restamp(root: Path, name: str) -> None:
    """Record a file's new bytes in the manifest (as a careless tool would)."""
    man = json.loads((root / MANIFEST).read_text())
    data = (root / name).read_bytes()
    rec = man["files"][name]
    rec.update(file_record(name, data))
    (root / MANIFEST).write_text(json.dumps(man, indent=2))


def test_the_same_seed_builds_byte_identical_files(dialect, built, tmp_path):
    again = make_dataset(tmp_path / "again", MakeOptions.tiny(seed=11), dialect=dialect)
    assert files_of(again) == files_of(built)


def test_another_seed_builds_other_files(dialect, built, tmp_path):
    other = make_dataset(tmp_path / "other", MakeOptions.tiny(seed=12), dialect=dialect)
    assert files_of(other)["test.rl"] != files_of(built)["test.rl"]
    assert files_of(other)["train.scenes.npy"] != files_of(built)["train.scenes.npy"]


def test_storage_is_compact_integers_and_packed_bits(built):
    man = json.loads((built / MANIFEST).read_text())
    assert man["files"]["train.scenes.npy"]["dtype"] == "uint32"
    assert man["files"]["train.labels.npy"]["dtype"] == "uint8"
    assert man["files"]["train.labels.npy"]["shape"] == [40, (20 + 7) // 8]
    assert not any(name.endswith(".npz") or name.endswith(".pkl") for name in man["files"])


def test_the_loader_gives_each_regime_its_k_scenes_of_its_rules(built):
    ds = DataSet(built)
    names = [r.name for r in ds.regimes]
    assert names == ["40x5", "40x20", "15x5", "15x20"]
    large, small = ds.training("40x20"), ds.training("15x5")
    assert large.scenes.shape == (40, 20) and small.scenes.shape == (15, 5)
    assert np.isin(small.rules, large.rules).all()
    rows = np.searchsorted(large.rules, small.rules)
    # The small regime sees a prefix of the very samples the large one sees.
    assert np.array_equal(small.scenes, large.scenes[rows, :5])
    assert np.array_equal(small.labels, large.labels[rows, :5])


def test_tables_and_evaluation_samples_belong_to_the_split_rules(built):
    ds = DataSet(built)
    for kind in ds.table_kinds:
        t = ds.tables("test", kind)
        assert t.scenes.shape == (24, 32) and t.labels.shape == (24, 32)
        assert np.array_equal(t.rules, ds.rules("test"))
    assert ds.evaluation("validation").scenes.shape == (12, 64)


def test_a_fresh_data_set_passes_its_audit(dialect, built):
    problems, stats = audit(DataSet(built), dialect)
    assert problems == []
    assert set(stats) == {f"{s}.{k}" for s in ("validation", "test")
                          for k in ("random", "balanced", "informative")}


def test_a_label_changed_behind_the_manifests_back_is_found_by_the_audit(dialect, copy):
    name = "test.random.labels.npy"
    packed = np.load(copy / name)
    packed[0, 0] ^= 0x80
    (copy / name).write_bytes(npy_bytes(packed))
    restamp(copy, name)
    problems, _ = audit(DataSet(copy), dialect)
    assert any("labels differ" in p for p in problems)


def test_a_flipped_byte_is_reported_with_the_file_name(copy):
    path = copy / "test.eval.scenes.npy"
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(RulelangError, match="corrupt") as err:
        DataSet(copy).evaluation("test")
    assert err.value.path == str(path) and err.value.code == "E501"


def test_a_truncated_file_is_reported_with_the_file_name(copy):
    path = copy / "train.scenes.npy"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(RulelangError, match="truncated") as err:
        DataSet(copy).verify()
    assert err.value.path == str(path)


def test_a_missing_file_is_reported_with_the_file_name(copy):
    (copy / "test.informative.labels.npy").unlink()
    with pytest.raises(RulelangError, match="missing") as err:
        DataSet(copy).tables("test", "informative")
    assert err.value.path.endswith("test.informative.labels.npy")


def test_an_array_of_the_wrong_shape_is_refused_even_with_a_matching_checksum(copy):
    name = "test.random.scenes.npy"
    (copy / name).write_bytes(npy_bytes(np.zeros((3, 3), dtype=np.uint32)))
    restamp(copy, name)
    with pytest.raises(RulelangError, match="the manifest says") as err:
        DataSet(copy).tables("test", "random")
    assert err.value.path.endswith(name)


def test_a_rule_file_with_a_foreign_rule_names_the_file_and_line(copy):
    path = copy / "validation.rl"
    lines = path.read_text().splitlines()
    lines[3] = "exactly 3 red"  # a fine rule, but not one of the dialect
    path.write_text("\n".join(lines) + "\n")
    restamp(copy, "validation.rl")
    with pytest.raises(RulelangError, match="not a rule of the dialect") as err:
        DataSet(copy).rules("validation")
    assert err.value.path == str(path) and err.value.line == 4


@pytest.mark.parametrize("change, code", [
    (lambda m: m.update(version=2), "E502"),
    (lambda m: m.update(format="something-else"), "E502"),
    (lambda m: m.pop("files"), "E501"),
])
def test_a_manifest_of_another_schema_is_refused(copy, change, code):
    man = json.loads((copy / MANIFEST).read_text())
    change(man)
    (copy / MANIFEST).write_text(json.dumps(man))
    with pytest.raises(RulelangError) as err:
        DataSet(copy)
    assert err.value.code == code and err.value.path == str(copy / MANIFEST)


def test_a_manifest_that_is_not_json_is_refused(copy):
    (copy / MANIFEST).write_text('{"format": "rulelang-data", "vers')
    with pytest.raises(RulelangError, match="unreadable manifest"):
        DataSet(copy)


def test_a_directory_without_a_data_set_is_a_clear_error(tmp_path):
    with pytest.raises(RulelangError, match="no data set") as err:
        DataSet(tmp_path / "nowhere")
    assert err.value.code == "E503"


def test_unknown_splits_kinds_and_regimes_are_clear_errors(built):
    ds = DataSet(built)
    for call in (lambda: ds.rules("holdout"), lambda: ds.tables("test", "weird"),
                 lambda: ds.tables("train", "random"), lambda: ds.training("9x9")):
        with pytest.raises(RulelangError) as err:
            call()
        assert err.value.code == "E503"


def test_an_existing_directory_is_not_replaced_without_force(dialect, built):
    before = files_of(built)
    with pytest.raises(RulelangError, match="already exists"):
        make_dataset(built, MakeOptions.tiny(seed=99), dialect=dialect)
    assert files_of(built) == before


def test_force_replaces_a_data_set_whole(dialect, copy):
    make_dataset(copy, MakeOptions.tiny(seed=5), dialect=dialect, force=True)
    assert DataSet(copy).seed == 5
    assert not [p for p in copy.parent.iterdir() if p.name.startswith(".")]


def test_a_failed_build_leaves_nothing_behind(dialect, tmp_path):
    bad = MakeOptions(splits=MakeOptions.tiny().splits, ks=(20, 5))
    with pytest.raises(RulelangError, match="ascending"):
        make_dataset(tmp_path / "bad", bad, dialect=dialect)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("edit, field, problem", [
    (lambda m: m.update(n_scenes="lots"), "n_scenes", "must be a whole number >= 1, not 'lots'"),
    (lambda m: m["options"]["splits"].update(n_test=-5), "options.splits.n_test", "not -5"),
    (lambda m: m["options"]["splits"].update(keep_left_of="no"), "options.splits.keep_left_of", "true or false"),
    (lambda m: m["options"].update(ks=[]), "options.ks", "at least 1 item"),
    (lambda m: m.update(seed=1.5), "seed", "not 1.5"),
    (lambda m: m.update(n_rules=True), "n_rules", "not True"),
    (lambda m: m["regimes"][1].update(k="ten"), "regimes[1].k", "not 'ten'"),
    (lambda m: m["splits"]["test"].pop("size"), "splits.test.size", "is missing"),
    (lambda m: m["splits"]["test"].update(rules="../../etc/passwd"), "splits.test.rules", "matching"),
    (lambda m: m["files"]["test.rl"].update(sha256="beef"), "files['test.rl'].sha256", "matching"),
    (lambda m: m["files"]["train.scenes.npy"].update(shape=[40, "x"]), "files['train.scenes.npy'].shape[1]", "not 'x'"),
    (lambda m: m.update(table_kinds="random"), "table_kinds", "must be a list"),
])
def test_every_edited_manifest_field_is_refused_naming_the_file_and_the_field(copy, edit, field, problem):
    man = json.loads((copy / MANIFEST).read_text())
    edit(man)
    (copy / MANIFEST).write_text(json.dumps(man, indent=2))
    with pytest.raises(RulelangError) as err:
        DataSet(copy)
    assert err.value.code == "E501" and err.value.path == str(copy / MANIFEST)
    assert f"manifest field {field}" in err.value.message and problem in err.value.message, err.value.message


def test_a_bad_manifest_field_is_located_at_its_line(copy):
    text = (copy / MANIFEST).read_text().replace('"n_scenes": 117649', '"n_scenes": "lots"')
    (copy / MANIFEST).write_text(text)
    with pytest.raises(RulelangError) as err:
        DataSet(copy)
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if '"n_scenes"' in t)
    assert err.value.line == line
    assert f"{copy / MANIFEST}:{line}: error[E501] manifest field n_scenes" in str(err.value)


def test_fields_a_later_version_may_add_are_ignored(copy):
    man = json.loads((copy / MANIFEST).read_text())
    man["note"] = {"anything": [1, 2]}
    (copy / MANIFEST).write_text(json.dumps(man))
    assert DataSet(copy).seed == 11
