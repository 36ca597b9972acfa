"""Checks .github/workflows/ci.yml: valid YAML with the jobs GitHub needs.

The workflow runs only on GitHub's runners, so this is what we can check
here: that it parses, that every job has a runner and steps, that the test
matrix covers the three native targets, and that the test job runs the
same command README.md gives.
"""
import re
import sys

import yaml

with open(".github/workflows/ci.yml") as f:
    workflow = yaml.safe_load(f)
with open("README.md") as f:
    readme = f.read()

errors = []
# PyYAML reads the key `on` as the boolean True (YAML 1.1).
if "on" not in workflow and True not in workflow:
    errors.append("no `on` trigger")
jobs = workflow.get("jobs", {})
for name in ("test", "fmt", "clippy"):
    job = jobs.get(name)
    if not job:
        errors.append(f"no `{name}` job")
        continue
    if "runs-on" not in job:
        errors.append(f"job `{name}` has no `runs-on`")
    steps = job.get("steps") or []
    if not steps or not all(isinstance(s, dict) and ("run" in s or "uses" in s) for s in steps):
        errors.append(f"job `{name}` has a step without `run` or `uses`")

test = jobs.get("test", {})
runners = {entry.get("os") for entry in test.get("strategy", {}).get("matrix", {}).get("include", [])}
for wanted in ("ubuntu-24.04", "ubuntu-24.04-arm", "macos-14"):
    if wanted not in runners:
        errors.append(f"test matrix lacks runner {wanted}")

commands = re.findall(r"```sh\n(cargo test[^\n]*)\n```", readme)
if not commands:
    errors.append("README.md gives no `cargo test` command")
test_runs = [s.get("run", "") for s in test.get("steps", [])]
for command in commands:
    if command not in test_runs:
        errors.append(f"test job does not run README's `{command}`")

if errors:
    print("ci.yml:", *errors, sep="\n  ")
    sys.exit(1)
print("ci.yml: valid, jobs", ", ".join(jobs))
