"""tilegrid.workflow.tidy: the clean-up steps, each at the end of what it tidies after."""

from __future__ import annotations

from tilegrid.workflow.tidy import remove_storage_copy


class _Stored(str):
    """A folder as Snakemake names one in storage (an IOFile: its local copy's path)."""

    is_storage = True


def test_a_storage_runs_local_copy_of_the_split_is_removed_and_said(tmp_path, capsys):
    copy = tmp_path / "shards"
    copy.mkdir()
    (copy / "manifest.json").write_text("{}")
    assert remove_storage_copy(_Stored(copy)) and not copy.exists()
    assert "an earlier run's local copy of a folder in storage" in capsys.readouterr().err
    assert not remove_storage_copy(_Stored(copy))  # none left: nothing said


def test_a_local_split_is_never_removed(tmp_path, capsys):
    shards = tmp_path / "shards"
    shards.mkdir()
    assert not remove_storage_copy(str(shards)) and shards.exists()
    assert capsys.readouterr().err == ""
