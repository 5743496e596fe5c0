"""tilegrid.workflow.specs: the jobs' command lines, as Snakemake's shell() gets them."""

from __future__ import annotations

import shlex

from tilegrid.workflow.specs import render_command, task_command


def test_a_task_command_is_one_shell_word_per_argument_and_has_no_placeholders():
    command = task_command("scripts/task.py", "mosaic", "logs/a{b}.json", "logs/x y.log")
    formatted = command.format()  # what shell() does with it: nothing left to fill in
    assert shlex.split(formatted) == [
        "python3",
        "scripts/task.py",
        "mosaic",
        "logs/a{b}.json",
        "logs/x y.log",
    ]


def test_the_render_command_keeps_snakemakes_placeholders_and_quotes_its_entry():
    command = render_command("my scripts/render.py")
    assert command.startswith("python3 'my scripts/render.py' --shard {input.shard:q}")
    assert "{output.png:q}" in command and "{log:q}" in command
