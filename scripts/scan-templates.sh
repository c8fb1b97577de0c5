#!/usr/bin/env bash
# Lints and policy-scans every CloudFormation template of a synthesized cloud assembly with
# cfn-lint and checkov, prints a compact summary, and exits non-zero on any cfn-lint error or
# warning, any failed checkov check, or a checkov parsing error.
#
#   npx ts-node --project tsconfig.dev.json scripts/compliance-stacks.ts /tmp/slp-scan
#   scripts/scan-templates.sh /tmp/slp-scan
#
# The tools live in a Python venv at .venv-scan/ (override with SCAN_VENV), created and filled
# with the pinned versions below on first use (needs python3 >= 3.9 and access to PyPI once).
# Scanning itself makes no network calls: checkov runs with --skip-download, BC_SKIP_MAPPING
# (no guideline/ID-mapping download from the Prisma Cloud API) and CKV_SKIP_PACKAGE_UPDATE_CHECK
# (no PyPI version check); cfn-lint uses its bundled resource specs.
#
# Suppressions are honoured and reported as "skipped":
#   checkov:  a resource's  Metadata: { "checkov":  { "skip": [ { "id": "CKV_AWS_116", "comment": "why" } ] } }
#   cfn-lint: a resource's  Metadata: { "cfn-lint": { "config": { "ignore_checks": [ "W3005" ] } } }
#             (or the template's top-level Metadata). cfn-lint does not report what it ignored,
#             so it also runs over copies with the cfn-lint Metadata removed: findings that appear
#             only there are the skipped ones.
#
# Environment: SCAN_VENV (venv path), PYTHON (interpreter for the venv, default python3),
# CFN_LINT_ARGS / CHECKOV_ARGS (extra arguments, word-split). Project-level .cfnlintrc and
# .checkov.yaml in the repository root apply too (both tools run from there).
set -euo pipefail

CFN_LINT_VERSION=1.58.0
CHECKOV_VERSION=3.3.30

if [ $# -ne 1 ]; then
  echo "usage: $0 <cloud-assembly-dir>" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUTDIR=$(cd "$1" 2>/dev/null && pwd) || { echo "not a directory: $1" >&2; exit 2; }
VENV=${SCAN_VENV:-$ROOT/.venv-scan}
PINS="cfn-lint==$CFN_LINT_VERSION checkov==$CHECKOV_VERSION"

# --- tools --------------------------------------------------------------------------------------
if [ "$(cat "$VENV/.pins" 2>/dev/null || true)" != "$PINS" ]; then
  start=$SECONDS
  echo "Installing $PINS into $VENV ..." >&2
  [ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check $PINS
  echo "$PINS" > "$VENV/.pins"
  echo "Installed in $((SECONDS - start))s" >&2
fi

# --- templates ----------------------------------------------------------------------------------
mapfile -t TEMPLATES < <(find "$OUTDIR" -name '*.template.json' -not -path '*/asset.*' | sort)
if [ ${#TEMPLATES[@]} -eq 0 ]; then
  echo "no *.template.json under $OUTDIR (is it a synthesized cloud assembly?)" >&2
  exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/scan-templates.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
scan_start=$SECONDS

# Copies of the templates without cfn-lint Metadata, to find out what the Metadata suppressed.
"$VENV/bin/python" - "$OUTDIR" "$WORK/stripped" "${TEMPLATES[@]}" <<'PY'
import json, os, sys
outdir, dest, templates = sys.argv[1], sys.argv[2], sys.argv[3:]
for path in templates:
    with open(path) as f:
        template = json.load(f)
    blocks = [template] + [r for r in (template.get('Resources') or {}).values() if isinstance(r, dict)]
    for block in blocks:
        meta = block.get('Metadata')
        if isinstance(meta, dict) and 'cfn-lint' in meta:
            del meta['cfn-lint']
            if not meta:
                del block['Metadata']
    target = os.path.join(dest, os.path.relpath(path, outdir))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, 'w') as f:
        json.dump(template, f, indent=1)
PY
mapfile -t STRIPPED < <(for t in "${TEMPLATES[@]}"; do echo "$WORK/stripped/${t#"$OUTDIR"/}"; done)

# The three scans run in parallel, from the repository root (project config files apply).
cd "$ROOT"
# shellcheck disable=SC2086
"$VENV/bin/cfn-lint" --format json ${CFN_LINT_ARGS:-} -- "${TEMPLATES[@]}" >"$WORK/cfn-lint.json" 2>"$WORK/cfn-lint.err" &
lint_pid=$!
# shellcheck disable=SC2086
"$VENV/bin/cfn-lint" --format json ${CFN_LINT_ARGS:-} -- "${STRIPPED[@]}" >"$WORK/cfn-lint-stripped.json" 2>"$WORK/cfn-lint-stripped.err" &
lint_stripped_pid=$!
# shellcheck disable=SC2086
BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE \
  "$VENV/bin/checkov" --framework cloudformation --skip-download --compact --output json ${CHECKOV_ARGS:-} \
  -f "${TEMPLATES[@]}" >"$WORK/checkov.json" 2>"$WORK/checkov.err" &
checkov_pid=$!

fatal=0
lint_rc=0; wait $lint_pid || lint_rc=$?
lint_stripped_rc=0; wait $lint_stripped_pid || lint_stripped_rc=$?
checkov_rc=0; wait $checkov_pid || checkov_rc=$?
# cfn-lint: bit 1 = it could not run; 2/4/8 = errors/warnings/informational (read from the JSON).
for pair in "cfn-lint:$lint_rc" "cfn-lint-stripped:$lint_stripped_rc"; do
  name=${pair%%:*}; rc=${pair##*:}
  if [ $((rc & 1)) -ne 0 ] || [ "$rc" -gt 15 ]; then
    echo "$name failed (exit $rc):" >&2; cat "$WORK/$name.err" >&2; fatal=1
  fi
done
if [ "$checkov_rc" -gt 1 ]; then
  echo "checkov failed (exit $checkov_rc):" >&2; tail -n 30 "$WORK/checkov.err" >&2; fatal=1
fi
[ $fatal -eq 0 ] || exit 3

summary_rc=0
"$VENV/bin/python" - "$OUTDIR" "$WORK" "$CFN_LINT_VERSION" "$CHECKOV_VERSION" "${TEMPLATES[@]}" <<'PY' || summary_rc=$?
import json, os, sys

outdir, work, lint_version, checkov_version, templates = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
rel = {os.path.realpath(t): os.path.relpath(t, outdir) for t in templates}
resources = {}
for t in templates:
    with open(t) as f:
        resources[rel[os.path.realpath(t)]] = json.load(f).get('Resources') or {}


def load(name):
    path = os.path.join(work, name)
    try:
        with open(path) as f:
            text = f.read()
        return json.loads(text) if text.strip() else []
    except ValueError:
        sys.stderr.write(f'cannot parse {name}:\n{text[:2000]}\n')
        sys.exit(3)


def one_line(text, limit=220):
    text = ' '.join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + '…'


def type_of(template, logical_id):
    return (resources.get(template, {}).get(logical_id) or {}).get('Type', '?')


def lint_findings(data, base):
    found = []
    for m in data:
        template = os.path.relpath(os.path.realpath(os.path.join(os.getcwd(), m['Filename'])), base)
        path = [str(p) for p in (m.get('Location') or {}).get('Path') or []]
        if len(path) >= 2 and path[0] == 'Resources':
            logical_id, where = path[1], '/'.join(path[2:])
        else:
            logical_id, where = '-', '/'.join(path)
        found.append({
            'template': template, 'rule': m['Rule']['Id'], 'level': m['Level'], 'id': logical_id,
            'type': type_of(template, logical_id) if logical_id != '-' else '-',
            'where': where, 'message': one_line(m['Message']),
        })
    return found


lint = lint_findings(load('cfn-lint.json'), os.path.realpath(outdir))
key = lambda f: (f['template'], f['rule'], f['id'], f['where'], f['message'])
seen = {key(f) for f in lint}
lint_skipped = [f for f in lint_findings(load('cfn-lint-stripped.json'), os.path.join(work, 'stripped')) if key(f) not in seen]

reports = load('checkov.json')
reports = reports if isinstance(reports, list) else [reports]
ck_failed, ck_skipped, ck_passed, ck_parse_errors = [], [], {}, []


def checkov_template(check):
    path = check.get('file_abs_path') or check.get('file_path', '')
    return rel.get(os.path.realpath(path)) or os.path.basename(path)


for report in reports:
    results = report.get('results') or {}
    ck_parse_errors += [rel.get(os.path.realpath(p), p) for p in results.get('parsing_errors', [])]
    for bucket, target in (('failed_checks', ck_failed), ('skipped_checks', ck_skipped)):
        for c in results.get(bucket, []):
            rtype, _, logical_id = c['resource'].rpartition('.')
            target.append({
                'template': checkov_template(c), 'rule': c['check_id'], 'id': logical_id, 'type': rtype,
                'message': one_line(c.get('check_name', '')),
                'comment': one_line((c.get('check_result') or {}).get('suppress_comment') or 'no comment'),
            })
    for c in results.get('passed_checks', []):
        t = checkov_template(c)
        ck_passed[t] = ck_passed.get(t, 0) + 1

names = sorted(rel.values())
width = max(len('template'), *(len(n) for n in names))
print(f'cfn-lint {lint_version}, checkov {checkov_version} (framework cloudformation)')
print(f'{"template":<{width}}  {"lint E":>6} {"W":>3} {"I":>3} {"skip":>4}   {"checkov pass":>12} {"fail":>4} {"skip":>4}')
count = lambda items, t, **kw: sum(1 for f in items if f['template'] == t and all(f[k] == v for k, v in kw.items()))
for t in names:
    print(f'{t:<{width}}  {count(lint, t, level="Error"):>6} {count(lint, t, level="Warning"):>3} '
          f'{count(lint, t, level="Informational"):>3} {count(lint_skipped, t):>4}   '
          f'{ck_passed.get(t, 0):>12} {count(ck_failed, t):>4} {count(ck_skipped, t):>4}')

for t in names:
    rows = [f for f in lint if f['template'] == t]
    fails = [f for f in ck_failed if f['template'] == t]
    skips = [f for f in lint_skipped if f['template'] == t]
    ck_skips = [f for f in ck_skipped if f['template'] == t]
    if not (rows or fails or skips or ck_skips):
        continue
    print(f'\n== {t}')
    for f in sorted(rows, key=lambda f: (f['rule'], f['id'])):
        where = f' [{f["where"]}]' if f['where'] else ''
        print(f'  cfn-lint {f["rule"]:<12} {f["id"]} ({f["type"]}){where}: {f["message"]}')
    for f in sorted(fails, key=lambda f: (f['rule'], f['id'])):
        print(f'  checkov  {f["rule"]:<12} {f["id"]} ({f["type"]}): {f["message"]}')
    for f in sorted(skips, key=lambda f: (f['rule'], f['id'])):
        print(f'  skipped  cfn-lint {f["rule"]} {f["id"]} ({f["type"]}): Metadata cfn-lint ignore_checks')
    for f in sorted(ck_skips, key=lambda f: (f['rule'], f['id'])):
        print(f'  skipped  checkov {f["rule"]} {f["id"]} ({f["type"]}): {f["comment"]}')

errors = sum(1 for f in lint if f['level'] == 'Error')
warnings = sum(1 for f in lint if f['level'] == 'Warning')
print(f'\nTotal: cfn-lint {errors} errors, {warnings} warnings, {len(lint) - errors - warnings} informational, '
      f'{len(lint_skipped)} skipped; checkov {sum(ck_passed.values())} passed, {len(ck_failed)} failed, '
      f'{len(ck_skipped)} skipped, {len(ck_parse_errors)} parsing errors')
for p in ck_parse_errors:
    print(f'  checkov could not parse {p}')
failed = errors or warnings or ck_failed or ck_parse_errors
print('RESULT: ' + ('FAIL' if failed else 'PASS'))
sys.exit(1 if failed else 0)
PY
echo "Scan took $((SECONDS - scan_start))s" >&2
exit $summary_rc
