#!/usr/bin/env python3
"""Every relative link in the project's markdown names an existing file, and every #anchor into a
markdown file an existing heading: the README and docs/ are read through their links."""
import glob
import os
import re
import sys

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))


def anchors(path):
    found = set()
    with open(path) as f:
        for line in f:
            heading = re.match(r'#+\s+(.*)', line)
            if heading:
                slug = re.sub(r'[^\w\- ]', '', heading.group(1).strip().lower()).replace(' ', '-')
                found.add(slug)
    return found


broken = 0
files = ['README.md', 'SECURITY.md', 'protocol/PROTOCOL.md'] + glob.glob('docs/*.md') + glob.glob('examples/*/README.md')
for name in files:
    with open(name) as f:
        text = re.sub(r'```.*?```', '', f.read(), flags=re.S)  # code blocks hold no links
    for match in re.finditer(r'\]\(([^)\s]+)\)', text):
        link = match.group(1)
        if re.match(r'[a-z]+:', link):
            continue
        path, _, anchor = link.partition('#')
        target = os.path.normpath(os.path.join(os.path.dirname(name), path)) if path else name
        if not os.path.exists(target):
            print(f'{name}: no such file: {link}')
            broken += 1
        elif anchor and target.endswith('.md') and anchor not in anchors(target):
            print(f'{name}: no such heading: {link}')
            broken += 1
print(f'{broken} broken links in {len(files)} files')
sys.exit(1 if broken else 0)
