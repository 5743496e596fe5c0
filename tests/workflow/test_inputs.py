"""tilegrid.workflow.inputs.JobInputs: how the rules name their inputs."""

from __future__ import annotations

from types import SimpleNamespace

from snakemake.io import is_flagged
from tilegrid.workflow.inputs import JobInputs


def _inputs(stored, by_time=False):
    data = SimpleNamespace(is_remote=lambda p: p.startswith("s3://"), by_time=by_time)
    remote = SimpleNamespace(input=lambda p: f"storage:{p}")
    return JobInputs(
        stored=stored,
        shards="results/shards",
        render_entry="scripts/render.py",
        data=data,
        remote=remote,
    )


def test_local_files_are_inputs_by_time_and_none_with_results_in_storage():
    code = _inputs(stored=False).code_files("split")
    assert code and all(is_flagged(f, "local") and not is_flagged(f, "ancient") for f in code)
    assert any(f.endswith("split/job.py") for f in code)
    assert _inputs(stored=True).code_files("split") == []
    assert _inputs(stored=False).code_digest("split") is None
    assert len(_inputs(stored=True).code_digest("split")) == 64  # the code as a parameter


def test_data_is_judged_by_content_the_example_by_time_and_remote_data_by_its_plugin():
    by_content = _inputs(stored=False).data_file("data/t.parquet")
    assert is_flagged(by_content, "ancient") and is_flagged(by_content, "local")
    example = _inputs(stored=False, by_time=True).data_file("resources/example.parquet")
    assert is_flagged(example, "local") and not is_flagged(example, "ancient")
    remote = _inputs(stored=False).data_file("s3://bucket/t.parquet")
    assert remote == "storage:s3://bucket/t.parquet" and is_flagged(remote, "ancient")


def test_the_splits_files_follow_where_results_are():
    assert _inputs(stored=False).shard("{tile}.arrow") == "results/shards/{tile}.arrow"
    assert is_flagged(_inputs(stored=True).shard("{tile}.arrow"), "ancient")
    digest = _inputs(stored=False).render_code_digest()
    assert digest != _inputs(stored=True).render_code_digest()  # the entry is a parameter


def test_the_jobs_code_holds_the_configured_kind_alone_among_the_kinds():
    def kinds(inputs, job):
        return sorted(f.split("kinds/")[1] for f in inputs.code_files(job) if "kinds/" in f)

    violin = _inputs(stored=False).__class__(**{**_inputs(stored=False).__dict__, "kind": "violin"})
    assert "violin.py" in kinds(violin, "split") and "box.py" not in kinds(violin, "split")
    assert "hexbin.py" not in kinds(violin, "scan")
    every = kinds(_inputs(stored=False), "split")  # no kind named: every kind (the worker's)
    assert {"violin.py", "box.py", "hexbin.py"} <= set(every)
    box = _inputs(stored=False).__class__(**{**_inputs(stored=False).__dict__, "kind": "box"})
    assert violin.render_code_digest() != box.render_code_digest()
