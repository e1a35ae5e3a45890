#!/usr/bin/env python3
"""The Flatpak manifest agrees with the meson build.

Usage: test-flatpak.py SOURCE_ROOT BUILD_ROOT

1. flatpak/io.github.osteoplan.Osteoplan.yml parses (as YAML, and its data as JSON), names our
   app id, a GNOME runtime and SDK whose version is still supported (SUPPORTED_RUNTIMES), and the
   command meson installs;
2. finish-args: GPU, Wayland with X11 fallback, IPC; no network, no filesystem access (files come
   through the portal), no session-wide holes;
3. every module builds from a pinned source: a git tag with its 40-digit commit hash, or an https
   archive with a real sha256 (never a placeholder of zeros); each provides a dependency the meson
   files ask for; every dependency the meson files ask for comes from the runtime, a module, or is
   test-only; the application is configured with -Dtests=false (meson_options.txt has that
   option, on by default), and the core's meson finds nifticlib under the prefix;
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
# GNOME runtimes still supported (GNOME keeps each for about a year: 50 from March 2026, 51 from
# September 2026; 49 and older are end of life).  Update when a new one comes out.
SUPPORTED_RUNTIMES = {'50', '51'}
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
    version = manifest.get('runtime-version')
    check(isinstance(version, str), 'runtime-version is a string (quoted in YAML: 50, not 50.0)')
    check(str(version) in SUPPORTED_RUNTIMES,
          f'runtime-version {version} is a supported GNOME runtime '
          f'({", ".join(sorted(SUPPORTED_RUNTIMES))})')
    try:
        json.loads(json.dumps(manifest))
        check(True, 'the manifest is plain data (flatpak-builder also reads it as JSON)')
    except (TypeError, ValueError) as e:
        check(False, f'the manifest is plain data: {e}')
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
            check('-Dtests=false' in module.get('config-opts', []),
                  'osteoplan is configured with -Dtests=false (lib3mf and Xvfb are not there)')
            continue
        sources = module.get('sources', [])
        check(bool(sources), f'{name}: has a source')
        for source in sources:
            url = source.get('url', '')
            kind = source.get('type')
            check(url.startswith('https://'), f'{name}: fetched over https ({url})')
            if kind == 'git':
                commit = str(source.get('commit', ''))
                check(bool(source.get('tag')), f'{name}: a release tag ({source.get("tag")})')
                check(re.fullmatch(r'[0-9a-f]{40}', commit) is not None and set(commit) != {'0'},
                      f'{name}: pinned to the tag\'s commit ({commit})')
                check('branch' not in source, f'{name}: not a branch (moves)')
            elif kind == 'archive':
                sha = str(source.get('sha256', ''))
                check(re.search(r'\d', url.rsplit('/', 1)[-1]) is not None,
                      f'{name}: the archive names a release')
                check(re.fullmatch(r'[0-9a-f]{64}', sha) is not None, f'{name}: a sha256')
                check(len(set(sha)) > 4, f'{name}: the sha256 is not a placeholder ({sha})')
            else:
                check(False, f'{name}: a git or archive source, not {kind}')
        provides = expected['modules'].get(name, [])
        check(bool(provides) and all(p in deps for p in provides),
              f'{name} provides {provides}, which meson asks for')
    provided = set(expected['runtime-provides']) | set(expected.get('test-only', []))
    for p in expected['modules'].values():
        provided |= set(p)
    for dep in sorted(deps):
        check(dep in provided, f'meson dependency “{dep}” comes from the runtime or a module')

    options_txt = open(os.path.join(src, 'meson_options.txt'), encoding='utf-8').read()
    check(re.search(r"option\('tests',\s*type:\s*'boolean',\s*value:\s*true", options_txt)
          is not None, "meson_options.txt has a boolean 'tests' option, true by default")
    top = open(os.path.join(src, 'meson.build'), encoding='utf-8').read()
    check(re.search(r"if get_option\('tests'\)\s*\n\s*subdir\('tests'\)", top) is not None,
          "meson.build enters tests/ only when the 'tests' option is on")
    core = re.sub(r'#.*', '', open(os.path.join(src, 'app', 'core', 'meson.build'),
                                    encoding='utf-8').read())
    check("get_option('prefix')" in core and 'nifti2_io.h' in core,
          'the core looks for nifti2_io.h under the prefix (the Flatpak has it in /app)')
    check(re.search(r"include_directories\(\s*'/", core) is None,
          'the core hard-codes no absolute include directory')

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
