"""Remote data (issue 28, items 1 and 4): ``data:`` as an S3 object, prefix or glob and
an HTTP file, read through Snakemake's storage plugins by the real ``snakemake``
command, against a local moto server and a local HTTP server (no network).

Each mosaic is compared byte for byte with the one the same data gives read from
the local disk; a changed object redraws only its tile, one uploaded again unchanged
nothing; a missing bucket, key or prefix and a 404 stop with one line.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import SMALL_CONFIG, Workflow, small_table
from tilegrid.table.files import source_label
from tilegrid.table.s3access import glob_regex

# a moto server and snakemake runs: in a process of their own, beside the others
pytestmark = pytest.mark.alongside("remote")

BUCKET = "tilegrid-tests"


# ---------------------------------------------------------------- no server


def test_an_s3_glob_matches_keys_as_glob_matches_paths():
    assert glob_regex("in/*.csv").match("in/a.csv")
    assert not glob_regex("in/*.csv").match("in/sub/a.csv")
    assert glob_regex("in/**/*.csv").match("in/a.csv")
    assert glob_regex("in/**/*.csv").match("in/x/y/a.csv")
    assert glob_regex("in/d?y[12].csv").match("in/day1.csv")
    assert not glob_regex("in/d?y[!12].csv").match("in/day1.csv")


def test_a_local_copy_is_labelled_with_its_url():
    sources = {".snakemake/storage/s3/b/in": "s3://b/in/", "copy/a.csv": "https://h/a.csv"}
    assert source_label(".snakemake/storage/s3/b/in/x=1/p.parquet", sources) == (
        "s3://b/in/x=1/p.parquet"
    )
    assert source_label("copy/a.csv", sources) == "https://h/a.csv"
    assert source_label("./local//a.csv", sources) == "local/a.csv"


def test_refused_s3_credentials_are_one_line_naming_where_keys_come_from():
    from botocore.exceptions import ClientError
    from tilegrid.table.s3access import _problem

    error = ClientError({"Error": {"Code": "InvalidAccessKeyId"}}, "HeadObject")
    line = str(_problem("s3://b/k.csv", "config key 'data'", error))
    assert line.startswith(
        "config key 'data': S3 refused the credentials for 's3://b/k.csv' (InvalidAccessKeyId)"
    )
    assert "--storage-s3-access-key" in line and "\n" not in line


# ---------------------------------------------------------------- servers


@pytest.fixture(scope="session")
def s3():
    """A moto S3 server on this machine, its bucket, and a boto3 client of it."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server._server.server_port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    client.endpoint = endpoint
    yield client
    server.stop()


class _Handler(SimpleHTTPRequestHandler):
    """Files with Last-Modified (http.server's) and an ETag of their bytes; byte ranges
    served (206) for the files named ``*.ranged.*``, the others whole (200)."""

    ranges: list = []

    def end_headers(self):
        path = self.translate_path(self.path)
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                self.send_header("ETag", f'"{hashlib.md5(handle.read()).hexdigest()}"')
        super().end_headers()

    def send_head(self):
        if self.path.endswith("/secret.csv"):  # a file behind credentials not given
            self.send_error(403)
            return None
        return super().send_head()

    def do_GET(self):
        path = self.translate_path(self.path)
        wanted = self.headers.get("Range", "")
        if ".ranged." not in path or not wanted.startswith("bytes=") or not os.path.isfile(path):
            return super().do_GET()
        start, stop = (int(n) for n in wanted[len("bytes=") :].split("-"))
        with open(path, "rb") as handle:
            handle.seek(start)
            body = handle.read(stop + 1 - start)
        _Handler.ranges.append((start, stop))
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{stop}/{os.path.getsize(path)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def web(tmp_path_factory):
    """A local HTTP server of a folder: (folder, base URL)."""
    folder = tmp_path_factory.mktemp("www")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=folder))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def s3_args(s3) -> list[str]:
    """The S3 plugin's settings, as a user gives them on the command line."""
    return [
        "--storage-s3-endpoint-url",
        s3.endpoint,
        "--storage-s3-access-key",
        "testing",
        "--storage-s3-secret-key",
        "testing",
    ]


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def upload(s3, key: str, body: bytes) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)


def remote_workflow(tmp_path, data, **config) -> Workflow:
    wf = Workflow(tmp_path / "remote")
    wf.write_config({**SMALL_CONFIG, "data": data, **config})
    return wf


def local_mosaic(tmp_path, name: str, make, **config) -> bytes:
    """The mosaic of the same data read from the local disk (``make(folder)`` writes it)."""
    wf = Workflow(tmp_path / name)
    data = make(wf.root)
    wf.write_config({**SMALL_CONFIG, "data": data, **config})
    wf.run_ok()
    return wf.path("results", "mosaic.png").read_bytes()


def shifted(table: pa.Table, row: int) -> pa.Table:
    """``table`` with one cell of ``value`` changed."""
    values = table["value"].to_pylist()
    values[row] += 0.5
    return table.set_column(table.schema.get_field_index("value"), "value", pa.array(values))


class FakeStorage:
    """Snakemake's storage registry as the workflow uses it: the plugin of a URL (here
    always the S3 plugin with the server's settings) and its storage object."""

    def __init__(self, endpoint: str):
        import logging
        from pathlib import Path

        from snakemake_storage_plugin_s3 import StorageProvider, StorageProviderSettings

        settings = StorageProviderSettings(
            endpoint_url=endpoint, access_key="testing", secret_key="testing"
        )
        self.provider = StorageProvider(
            logger=logging.getLogger("s3"),
            local_prefix=Path(".snakemake/storage/s3"),
            settings=settings,
        )

    def __call__(self, url: str):
        from snakemake.io import AnnotatedString

        flagged = AnnotatedString(url)
        flagged.flags["storage_object"] = self.provider.object(url)
        return flagged


def test_the_parse_lists_reads_and_hands_jobs_the_local_copies(s3):
    from tilegrid.workflow.data import DataInputs
    from tilegrid.workflow.remote import RemoteStorage

    for name, body in write_parts(small_table(rows_per_cell=5)).items():
        upload(s3, f"parse/{name}", body)
    upload(s3, "parse/_SUCCESS", b"")
    data = f"s3://{BUCKET}/parse/"
    storage = RemoteStorage(FakeStorage(s3.endpoint), data)
    from tilegrid.table import open_table

    table = open_table(data, "sample")
    assert table.schema.names == ["season", "group", "value", "site", "sample"]
    assert [u.path for u in table.units] == [
        f"s3://{BUCKET}/parse/site=north/part-0.parquet",
        f"s3://{BUCKET}/parse/site=south/part-0.parquet",
    ]
    inputs = DataInputs(data, table, None, {"TILEGRID_SCAN_BYTES": "1"}, storage)
    assert inputs.paths() == [u.path for u in table.units]
    assert len({inputs.scan_content(s)[0] for s in inputs.parts}) == 2
    copy = f".snakemake/storage/s3/{BUCKET}/parse"
    first = inputs.scan_units(next(iter(inputs.parts)))[0]
    assert first["path"] == f"{copy}/site=north/part-0.parquet"
    assert first["folder"] == copy and first["label"] == table.units[0].path
    spec = inputs.split_spec({"data": data})
    assert spec == {"data": copy, "sources": {copy: data}}


def test_an_http_parquet_file_is_opened_from_byte_ranges_where_served(web):
    from snakemake_storage_plugin_http import StorageProvider, StorageProviderSettings
    from tilegrid.table import objects, open_table

    folder, base = web
    table = small_table(rows_per_cell=5)
    (folder / "t.ranged.parquet").write_bytes(parquet_bytes(table))
    (folder / "t.parquet").write_bytes(parquet_bytes(table))
    http = StorageProvider(
        logger=None, local_prefix=folder / "copies", settings=StorageProviderSettings()
    )
    objects.use({"http": lambda: http})
    _Handler.ranges.clear()
    ranged = open_table(f"{base}/t.ranged.parquet")
    assert ranged.infos[f"{base}/t.ranged.parquet"].rows == table.num_rows
    assert _Handler.ranges and all(stop < table.nbytes for _, stop in _Handler.ranges)
    whole = open_table(f"{base}/t.parquet")  # a server that ignores ranges: read once
    assert whole.schema == ranged.schema == table.schema
    assert objects.known(f"{base}/t.parquet").version.startswith('"')  # its ETag


def test_without_the_storage_plugins_remote_data_is_one_line_saying_what_to_install():
    from tilegrid.table import open_table
    from tilegrid.workflow.remote import RemoteStorage
    from tilegrid.workflow.startup import StartError

    def no_plugin(url):
        raise RuntimeError(f"No storage provider found for query {url}.\nEither install ...")

    RemoteStorage(no_plugin, "s3://bucket/a.csv")
    with pytest.raises(StartError) as error:
        open_table("s3://bucket/a.csv")
    assert str(error.value) == (
        "config key 'data': 's3://bucket/a.csv' cannot be read through Snakemake's storage "
        "plugins (No storage provider found for query s3://bucket/a.csv.); install them: "
        "pip install -r requirements-remote.txt"
    )


def test_a_bucket_is_read_whole_only_as_a_prefix(s3):
    from tilegrid.table import TableError, open_table
    from tilegrid.workflow.remote import RemoteStorage

    s3.create_bucket(Bucket="tilegrid-whole")
    s3.put_object(Bucket="tilegrid-whole", Key="a.parquet", Body=parquet_bytes(small_table(5)))
    storage = RemoteStorage(FakeStorage(s3.endpoint), "s3://tilegrid-whole/")
    assert storage.local_copy("s3://tilegrid-whole/") == ".snakemake/storage/s3/tilegrid-whole"
    assert open_table("s3://tilegrid-whole/").infos["s3://tilegrid-whole/"].rows > 0
    with pytest.raises(TableError, match=r"names a bucket; write s3://tilegrid-whole/ \("):
        open_table("s3://tilegrid-whole")


# ---------------------------------------------------------------- S3


@pytest.mark.workflow
def test_an_s3_object_gives_the_local_mosaic_and_only_a_change_redraws(s3, built, tmp_path):
    table = small_table()
    upload(s3, "one/data.parquet", parquet_bytes(table))
    wf = remote_workflow(tmp_path, f"s3://{BUCKET}/one/data.parquet")
    first = wf.run_ok(*s3_args(s3))
    assert first.jobs("render") == 6
    mosaic = wf.path("results", "mosaic.png").read_bytes()
    assert mosaic == built.path("results", "mosaic.png").read_bytes()
    upload(s3, "one/data.parquet", parquet_bytes(table))  # the same bytes, a newer time
    again = wf.run_ok(*s3_args(s3))
    assert "Nothing to be done" in again.output, again.output[-3000:]
    upload(s3, "one/data.parquet", parquet_bytes(shifted(table, 0)))  # north, spring
    changed = wf.run_ok(*s3_args(s3))
    assert changed.jobs("split") == 1 and changed.jobs("render") == 1, changed.output[-3000:]


@pytest.mark.workflow
def test_with_the_default_storage_provider_every_file_of_a_run_lives_in_the_bucket(
    s3, built, tmp_path
):
    # issue 28 item 2, on one machine: shards, tiles and the mosaic go through storage,
    # and the next run reads the split's manifest back from it (Snakemake removed the
    # local copies as the first run ended) and draws nothing again; a changed object
    # then redraws its one tile (the split uploads every shard anew: tiles are judged
    # by the shards' digests, tilegrid.workflow.stored), and without .snakemake/ every
    # tile is drawn again, never a stale one
    table = small_table()
    upload(s3, "dsp/data.parquet", parquet_bytes(table))
    wf = remote_workflow(tmp_path, f"s3://{BUCKET}/dsp/data.parquet")
    prefix = f"s3://{BUCKET}/run"
    args = ["--default-storage-provider", "s3", "--default-storage-prefix", prefix, *s3_args(s3)]

    def stored_mosaic() -> bytes:
        return s3.get_object(Bucket=BUCKET, Key="run/results/mosaic.png")["Body"].read()

    first = wf.run_ok(*args)
    assert first.jobs("split") == 1 and first.jobs("render") == 6
    assert not wf.path("results", "mosaic.png").exists()
    assert stored_mosaic() == built.path("results", "mosaic.png").read_bytes()
    again = wf.run_ok(*args)
    assert again.jobs("split") == 0 and again.jobs("render") == 0, again.output[-3000:]
    assert stored_mosaic() == built.path("results", "mosaic.png").read_bytes()
    # after a run that ran no job (it left its copy of the folder), a changed object
    upload(s3, "dsp/data.parquet", parquet_bytes(shifted(table, 0)))  # north, spring
    changed = wf.run_ok(*args)
    assert changed.jobs("split") == 1 and changed.jobs("render") == 1, changed.output[-3000:]
    assert "an earlier run's local copy of a folder in storage" in changed.output

    def write_shifted(folder) -> str:
        pq.write_table(shifted(table, 0), folder / "data.parquet")
        return "data.parquet"

    assert stored_mosaic() == local_mosaic(tmp_path, "shifted", write_shifted)
    # the mosaic is drawn where Snakemake runs, and composites into the cache it left
    log = s3.get_object(Bucket=BUCKET, Key="run/logs/mosaic.log")["Body"].read().decode()
    assert "composited 1 changed cell into the cached canvas" in log, log
    settled = wf.run_ok(*args)
    assert settled.jobs("split") == 0 and settled.jobs("render") == 0, settled.output[-3000:]
    # Snakemake's records deleted, then the table changed back: with no record to compare
    # parameters with, the run stops before any job, and --forceall makes everything again
    shutil.rmtree(wf.path(".snakemake"))
    upload(s3, "dsp/data.parquet", parquet_bytes(table))
    forgot = wf.snakemake(*args)
    assert forgot.returncode != 0
    assert first_error(forgot) == (
        f"tilegrid: error: results are stored under {prefix}/results/shards, but Snakemake "
        "holds no record of the jobs that made them here (.snakemake/ was deleted, or they "
        "were made from another folder): run once with --forceall to make them again from "
        "the current data"
    )
    assert stored_mosaic() == local_mosaic(tmp_path, "shifted-again", write_shifted)
    forced = wf.run_ok(*args, "--forceall")
    assert forced.jobs("split") == 1 and forced.jobs("render") == 6, forced.output[-3000:]
    assert stored_mosaic() == built.path("results", "mosaic.png").read_bytes()
    assert wf.run_ok(*args).jobs("render") == 0


@pytest.mark.workflow
def test_a_local_copy_a_killed_storage_run_left_does_not_stop_the_next_split(s3, tmp_path):
    # a run with results in storage reads the split's manifest through Snakemake's
    # local copy of the folder; a run killed before its end leaves it (made here from
    # the bucket's objects), and the next run, which must split again, neither stops on
    # it nor draws from it
    table = small_table()
    upload(s3, "killed/data.parquet", parquet_bytes(table))
    wf = remote_workflow(tmp_path, f"s3://{BUCKET}/killed/data.parquet")
    args = [
        "--default-storage-provider",
        "s3",
        "--default-storage-prefix",
        f"s3://{BUCKET}/killedrun",
        *s3_args(s3),
    ]
    assert wf.run_ok(*args).jobs("split") == 1
    copy = wf.path(".snakemake", "storage", "s3", BUCKET, "killedrun", "results", "shards")
    assert not copy.exists()
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="killedrun/results/shards/")
    for key in [o["Key"] for o in listed["Contents"]]:
        path = copy / key[len("killedrun/results/shards/") :]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    upload(s3, "killed/data.parquet", parquet_bytes(shifted(table, 0)))  # north, spring
    changed = wf.run_ok(*args)
    assert changed.jobs("split") == 1 and changed.jobs("render") == 1, changed.output[-3000:]
    assert not copy.exists()

    def write_shifted(folder) -> str:
        pq.write_table(shifted(table, 0), folder / "data.parquet")
        return "data.parquet"

    stored = s3.get_object(Bucket=BUCKET, Key="killedrun/results/mosaic.png")["Body"].read()
    assert stored == local_mosaic(tmp_path, "shifted", write_shifted)


def write_parts(table: pa.Table) -> dict[str, bytes]:
    """The table as a folder of Hive partitions by site: {relative path: Parquet bytes}."""
    parts = {}
    for site in ("north", "south"):
        rows = table.filter(pc.equal(table["site"], site)).drop_columns(["site"])
        parts[f"site={site}/part-0.parquet"] = parquet_bytes(rows)
    return parts


@pytest.mark.workflow
def test_an_s3_prefix_is_read_as_a_folder_with_a_scan_job_per_file(s3, tmp_path):
    parts = write_parts(small_table())
    for name, body in parts.items():
        upload(s3, f"folder/{name}", body)
    upload(s3, "folder/_SUCCESS", b"")

    def local_folder(root):
        for name, body in parts.items():
            os.makedirs(root / "folder" / os.path.dirname(name), exist_ok=True)
            (root / "folder" / name).write_bytes(body)
        return "folder"

    expected = local_mosaic(tmp_path, "local", local_folder)
    wf = remote_workflow(tmp_path, f"s3://{BUCKET}/folder/")
    run = wf.run_ok(*s3_args(s3))
    assert run.jobs("scan") == 2 and run.jobs("render") == 6, run.output[-3000:]
    assert wf.path("results", "mosaic.png").read_bytes() == expected
    upload(s3, "folder/site=south/part-0.parquet", parts["site=south/part-0.parquet"])
    assert "Nothing to be done" in wf.run_ok(*s3_args(s3)).output
    north = pq.read_table(io.BytesIO(parts["site=north/part-0.parquet"]))
    upload(s3, "folder/site=north/part-0.parquet", parquet_bytes(shifted(north, 0)))
    changed = wf.run_ok(*s3_args(s3))
    assert changed.jobs("scan") == 1 and changed.jobs("render") == 1, changed.output[-3000:]


@pytest.mark.workflow
def test_an_s3_glob_names_each_rows_object_in_the_source_column(s3, tmp_path):
    table = small_table(rows_per_cell=30)
    for site in ("north", "south"):
        rows = table.filter(pc.equal(table["site"], site))
        upload(s3, f"glob/{site}.parquet", parquet_bytes(rows))
    upload(s3, "glob/other.txt", b"not a table")
    facet = {**SMALL_CONFIG["facet"], "row": "sample"}
    wf = remote_workflow(tmp_path, f"s3://{BUCKET}/glob/*.parquet", source_column="sample")
    wf.update_config(facet=facet)
    # the plugin's settings from its environment variables, as a profile or CI gives them
    settings = {
        "SNAKEMAKE_STORAGE_S3_ENDPOINT_URL": s3.endpoint,
        "SNAKEMAKE_STORAGE_S3_ACCESS_KEY": "testing",
        "SNAKEMAKE_STORAGE_S3_SECRET_KEY": "testing",
    }
    run = wf.run_ok(env=settings)
    assert run.jobs("scan") == 2 and run.jobs("render") == 6, run.output[-3000:]
    manifest = json.loads(wf.path("results", "shards", "manifest.json").read_text())
    assert manifest["row"]["levels"] == [
        f"s3://{BUCKET}/glob/north.parquet",
        f"s3://{BUCKET}/glob/south.parquet",
    ]


# ---------------------------------------------------------------- HTTP


@pytest.mark.workflow
def test_an_http_file_gives_the_local_mosaic_and_a_touch_redraws_nothing(web, tmp_path):
    folder, base = web
    table = small_table()
    (folder / "data.csv").write_bytes(_csv(table))
    expected = local_mosaic(tmp_path, "local", lambda root: _write(root / "data.csv", table))
    wf = remote_workflow(tmp_path, f"{base}/data.csv")
    first = wf.run_ok()
    assert first.jobs("render") == 6
    assert wf.path("results", "mosaic.png").read_bytes() == expected
    os.utime(folder / "data.csv", (2e9, 2e9))  # a newer Last-Modified, the same ETag
    assert "Nothing to be done" in wf.run_ok().output
    (folder / "data.csv").write_bytes(_csv(shifted(table, 0)))
    changed = wf.run_ok()
    assert changed.jobs("split") == 1 and changed.jobs("render") == 1, changed.output[-3000:]


def _csv(table: pa.Table) -> bytes:
    import pyarrow.csv as pacsv

    sink = io.BytesIO()
    pacsv.write_csv(table, sink)
    return sink.getvalue()


def _write(path, table: pa.Table) -> str:
    path.write_bytes(_csv(table))
    return path.name


# ---------------------------------------------------------------- one line


def first_error(run) -> str:
    errors = [line for line in run.output.splitlines() if line.startswith("tilegrid: error:")]
    assert len(errors) == 1 and "Traceback" not in run.output, run.output[-3000:]
    return errors[0]


@pytest.mark.workflow
def test_bad_remote_data_stops_before_any_job_with_one_line(s3, web, tmp_path):
    upload(s3, "bad/_SUCCESS", b"")
    wf = remote_workflow(tmp_path, "")
    cases = {
        "s3://no-such-bucket/data.csv": "the bucket 'no-such-bucket' does not exist",
        f"s3://{BUCKET}/missing.parquet": f"'s3://{BUCKET}/missing.parquet' does not exist",
        f"s3://{BUCKET}/bad/": f"the prefix 's3://{BUCKET}/bad/' holds no data file",
        f"{web[1]}/missing.csv": f"'{web[1]}/missing.csv' cannot be read (HTTP 404",
        f"{web[1]}/secret.csv": f"the server refused '{web[1]}/secret.csv' (HTTP 403)",
    }
    for data, message in cases.items():
        wf.update_config(data=data)
        run = wf.snakemake("-n", *s3_args(s3))
        assert run.returncode != 0
        assert first_error(run).startswith(f"tilegrid: error: config key 'data': {message}")
    assert not wf.path("results").exists()
    shutil.rmtree(wf.root)
