# Renders the NixOS module's services.microvm-helper.settings as
# /etc/microvm-helper/helper.conf (a GKeyFile, see microvm-helper.conf(5)).
# Plain builtins only, so that it can be checked without nixpkgs.
#
#   settings: { GROUP = { KEY = value; ... }; ... }
#     null      the key is left out (the helper's default applies)
#     bool      true / false
#     int       decimal
#     string    as is (newlines are refused: one key, one line)
#     list      strings joined with ";", a ";" or "\" in one escaped, so
#               [ ] writes "KEY=" (the helper reads that as "none allowed")
# Groups and keys come out sorted; a group with only null keys is left out.
settings:

let
  inherit (builtins)
    attrNames
    concatStringsSep
    filter
    isBool
    isInt
    isList
    isString
    map
    replaceStrings
    throw
    ;

  line =
    group: key: text:
    if builtins.match ".*[\n\r].*" text != null then
      throw "services.microvm-helper.settings.${group}.${key}: a value must fit on one line"
    else
      "${key}=${text}";

  value =
    group: key: v:
    if isBool v then
      (if v then "true" else "false")
    else if isInt v then
      toString v
    else if isString v then
      v
    else if isList v then
      concatStringsSep ";" (map (item: replaceStrings [ "\\" ";" ] [ "\\\\" "\\;" ] (value group key item)) v)
    else
      throw "services.microvm-helper.settings.${group}.${key}: a bool, an integer, a string or a list of strings";

  renderGroup =
    group:
    let
      keys = filter (key: settings.${group}.${key} != null) (attrNames settings.${group});
    in
    if keys == [ ] then
      ""
    else
      "[${group}]\n"
      + concatStringsSep "" (map (key: line group key (value group key settings.${group}.${key}) + "\n") keys);

  groups = filter (text: text != "") (map renderGroup (attrNames settings));
in
concatStringsSep "\n" groups
