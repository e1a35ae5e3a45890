#!/usr/bin/env python3
"""The Flatpak manifest agrees with the meson build.

Usage: test-flatpak.py SOURCE_ROOT BUILD_ROOT

1. flatpak/io.github.osteoplan.Osteoplan.yml parses, names our app id, a pinned GNOME runtime and
   SDK, and the command meson installs;
2. finish-args: GPU, Wayland with X11 fallback, IPC; no network, no filesystem access (files come
   through the portal), no session-wide holes;
3. every module builds from a pinned https archive with a sha256 (placeholders only where
   flatpak/expected.yml says so), and provides a dependency the meson files ask for; every
   dependency the meson files ask for comes from the runtime, a module, or is test-only;
4. `meson install --destdir` of this build yields exactly flatpak/expected.yml's file list.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print('# SKIP: python3 has no yaml module')
    sys.exit(77)

APP_ID = 'io.github.osteoplan.Osteoplan'
failures = []


def check(ok, what):
    print(('ok: ' if ok else 'not ok: ') + what)
    if not ok:
        failures.append(what)


def meson_dependencies(src):
    """The names in dependency('…') and find_library('…') of the meson files (no build dirs)."""
    names = set()
    for dirpath, dirnames, filenames in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        dirnames[:] = [d for d in dirnames
                       if not d.startswith(('build', '.')) and d != 'subprojects']
        if rel.startswith('tests' + os.sep + 'fuzz'):
            continue   # The fuzzing build: clang only, never packaged.
        if 'meson.build' not in filenames:
            continue
        text = open(os.path.join(dirpath, 'meson.build'), encoding='utf-8').read()
        text = re.sub(r'#.*', '', text)
        names.update(re.findall(r"\b(?:dependency|find_library)\s*\(\s*'([^']+)'", text))
    return names


def main():
    src, build = sys.argv[1], sys.argv[2]
    manifest_path = os.path.join(src, 'flatpak', APP_ID + '.yml')
    expected = yaml.safe_load(open(os.path.join(src, 'flatpak', 'expected.yml'), encoding='utf-8'))
    manifest = yaml.safe_load(open(manifest_path, encoding='utf-8'))

    # 1. The application.
    check(manifest.get('app-id') == APP_ID, 'app-id is ' + APP_ID)
    check(manifest.get('runtime') == 'org.gnome.Platform', 'runtime is org.gnome.Platform')
    check(manifest.get('sdk') == 'org.gnome.Sdk', 'sdk is org.gnome.Sdk')
    check(re.fullmatch(r'\d+(\.\d+)?', str(manifest.get('runtime-version', ''))) is not None,
          'runtime-version is pinned to a stable release (not master)')
    check(('bin/' + str(manifest.get('command'))) in expected['installed-files'],
          'command is a program meson installs')

    # 2. Sandbox.
    args = manifest.get('finish-args', [])
    for need in ['--device=dri', '--socket=wayland', '--socket=fallback-x11', '--share=ipc']:
        check(need in args, 'finish-args has ' + need)
    for arg in args:
        bad = (arg == '--share=network' or arg.startswith('--filesystem')
               or arg in ('--socket=x11', '--device=all', '--socket=session-bus',
                          '--socket=system-bus')
               or arg.startswith('--talk-name=org.freedesktop.Flatpak'))
        check(not bad, 'finish-args does not open the sandbox: ' + arg)

    # 3. Modules.
    modules = manifest.get('modules', [])
    names = [m['name'] for m in modules]
    check(names[-1] == 'osteoplan' if names else False, 'the application is the last module')
    check(sorted(names) == sorted(expected['modules']),
          'modules are exactly ' + ', '.join(sorted(expected['modules'])))
    deps = meson_dependencies(src)
    for module in modules:
        name = module['name']
        if name == 'osteoplan':
            check(any(s.get('type') == 'dir' and s.get('path') == '..'
                      for s in module.get('sources', [])), 'osteoplan builds from this tree')
            continue
        for source in module.get('sources', []):
            url = source.get('url', '')
            sha = str(source.get('sha256', ''))
            check(source.get('type') == 'archive' and url.startswith('https://'),
                  f'{name}: an https archive ({url})')
            check(re.search(r'\d', url.rsplit('/', 1)[-1]) is not None,
                  f'{name}: the archive names a release')
            check(re.fullmatch(r'[0-9a-f]{64}', sha) is not None, f'{name}: a sha256')
            if set(sha) == {'0'}:
                check(name in expected.get('unverified-sha256', []),
                      f'{name}: the placeholder sha256 is declared in expected.yml')
                print(f'# WARNING: {name}: sha256 is a placeholder, to be filled in by someone '
                      'with network access')
        provides = expected['modules'].get(name, [])
        check(bool(provides) and all(p in deps for p in provides),
              f'{name} provides {provides}, which meson asks for')
    provided = set(expected['runtime-provides']) | set(expected.get('test-only', []))
    for p in expected['modules'].values():
        provided |= set(p)
    for dep in sorted(deps):
        check(dep in provided, f'meson dependency “{dep}” comes from the runtime or a module')

    # 4. What meson installs.
    options = json.loads(subprocess.run(['meson', 'introspect', build, '--buildoptions'],
                                        check=True, capture_output=True, text=True).stdout)
    prefix = next(o['value'] for o in options if o['name'] == 'prefix')
    with tempfile.TemporaryDirectory() as stage:
        env = dict(os.environ)
        env.pop('DESTDIR', None)
        result = subprocess.run(['meson', 'install', '-C', build, '--no-rebuild', '--quiet',
                                 '--destdir', stage], capture_output=True, text=True, env=env)
        check(result.returncode == 0, 'meson install --destdir succeeds')
        if result.returncode != 0:
            print(result.stdout + result.stderr)
        root = os.path.join(stage, prefix.lstrip('/'))
        found = set()
        for dirpath, _, filenames in os.walk(root):
            for f in filenames:
                found.add(os.path.relpath(os.path.join(dirpath, f), root))
        # Caches the post-install scripts may write (icon cache, compiled schemas, MIME database)
        # are rebuilt by Flatpak itself: not part of the file list.
        caches = re.compile(r'^share/(icons/hicolor/icon-theme\.cache'
                            r'|glib-2\.0/schemas/gschemas\.compiled'
                            r'|mime/(?!packages/).*|applications/mimeinfo\.cache)$')
        found = {f for f in found if not caches.match(f)}
        want = set(expected['installed-files'])
        for f in sorted(want - found):
            check(False, 'installed: ' + f)
        for f in sorted(found - want):
            check(False, 'installed but not in flatpak/expected.yml: ' + f)
        check(found == want, f'meson install yields exactly the {len(want)} expected files')

    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
