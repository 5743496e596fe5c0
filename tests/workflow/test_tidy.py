"""tilegrid.workflow.tidy.ResultsTidy: the tidying before the split's files are read."""

from __future__ import annotations

from tilegrid.workflow.tidy import ResultsTidy


def _incomplete_split(tmp_path):
    shards = tmp_path / "results" / "shards"
    shards.mkdir(parents=True)
    (shards / "a.arrow").write_bytes(b"")  # a split killed before its manifest
    return shards


def test_an_incomplete_split_is_removed_once_a_run(tmp_path, capsys):
    shards = _incomplete_split(tmp_path)
    tidy = ResultsTidy(main_process=True)
    tidy(str(shards), [str(tmp_path / "results" / "tiles" / "{tile}.png")], dry=False)
    assert tidy.done and not shards.exists()
    assert "manifest.json is missing: the split runs again" in capsys.readouterr().err
    shards = _incomplete_split(tmp_path)  # the split's own job, later in the same run
    tidy(str(shards), [], dry=False)
    assert shards.exists()


def test_a_dry_run_says_what_it_would_remove_and_removes_nothing(tmp_path, capsys):
    shards = _incomplete_split(tmp_path)
    ResultsTidy(main_process=True)(str(shards), [], dry=True)
    assert shards.exists()
    assert "manifest.json is missing" in capsys.readouterr().err
