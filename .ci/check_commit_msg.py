"""commit-msg hook: the subject line of a commit message is at most 72 characters.

    python3 .ci/check_commit_msg.py .git/COMMIT_EDITMSG

Also refuses an empty subject and a subject not followed by a blank line (the body says
why, after one blank line). Merge commits prepared by git ("Merge branch ...") pass.
"""

import sys

MAX_SUBJECT = 72


def check(text):
    # git's comment lines are not part of the message
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return "empty commit message"
    subject = lines[0]
    if subject.startswith(("Merge ", "Revert ", "fixup! ", "squash! ")):
        return None
    if len(subject) > MAX_SUBJECT:
        return (
            f"subject is {len(subject)} characters, at most {MAX_SUBJECT}: {subject!r}"
        )
    if len(lines) > 1 and lines[1].strip():
        return "the subject must be followed by a blank line before the body"
    return None


def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        error = check(f.read())
    if error:
        print(f"commit-msg: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
