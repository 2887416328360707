#!/usr/bin/python3
"""The accessibility tree of a desktop program, through AT-SPI (pyatspi):
what a screen reader would read, so tests check a window's text without
looking at pixels.

    atspi.py dump APP              every name and text of APP's windows
    atspi.py press APP NAME        does the default action of the widget
                                   whose accessible name is NAME
APP is a substring of the application's name on the accessibility bus
(its program name).  Runs as the user of the desktop session (it needs
the session's bus: DBUS_SESSION_BUS_ADDRESS).  Exit 1 when APP or NAME is
not found.
"""
import sys

import pyatspi


def find_app(name):
    desktop = pyatspi.Registry.getDesktop(0)
    for app in desktop:
        if app is not None and name.lower() in (app.name or "").lower():
            return app
    return None


def walk(node, depth=0):
    if node is None or depth > 40:
        return
    yield node
    for i in range(node.childCount):
        try:
            child = node.getChildAtIndex(i)
        except Exception:  # a widget that went away meanwhile
            continue
        yield from walk(child, depth + 1)


def text_of(node):
    try:
        text = node.queryText()
        return text.getText(0, text.characterCount)
    except NotImplementedError:
        return ""
    except Exception:
        return ""


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    command, app_name = sys.argv[1], sys.argv[2]
    app = find_app(app_name)
    if app is None:
        seen = [a.name for a in pyatspi.Registry.getDesktop(0) if a is not None]
        print(f"atspi: no application named *{app_name}* on the bus (there are: {seen})",
              file=sys.stderr)
        sys.exit(1)
    if command == "dump":
        for node in walk(app):
            role = node.getRoleName()
            name = node.name or ""
            text = text_of(node)
            if name or text:
                print(f"{role}\t{name}\t{text}".rstrip())
        return
    if command == "press":
        wanted = sys.argv[3]
        for node in walk(app):
            if (node.name or "") == wanted:
                action = node.queryAction()
                action.doAction(0)
                print(f"atspi: pressed {node.getRoleName()} '{wanted}'")
                return
        print(f"atspi: {app_name} has no widget named '{wanted}'", file=sys.stderr)
        sys.exit(1)
    sys.exit(__doc__)


main()
