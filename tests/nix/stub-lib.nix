# A small stand-in for nixpkgs' lib, enough to evaluate this project's Nix
# files where nixpkgs cannot be fetched (tests/check-nix.sh).  Options and
# types are plain records the check walks; mkIf/mkMerge/mkDefault keep
# their content visible.  It checks structure and wiring, not the module
# system's merging: a machine with nixpkgs checks that (nix flake check).
let
  inherit (builtins)
    attrNames
    concatLists
    concatStringsSep
    filter
    foldl'
    genList
    head
    isAttrs
    isFunction
    length
    listToAttrs
    map
    mapAttrs
    replaceStrings
    ;
  type = name: extra: { _type = "type"; inherit name; } // extra;
  nameValuePair = name: value: { inherit name value; };
in
rec {
  inherit nameValuePair;
  mkOption = attrs: { _type = "option"; } // attrs;
  mkEnableOption = description: mkOption {
    type = types.bool;
    default = false;
    description = "Whether to enable ${description}.";
  };
  literalExpression = text: { _type = "literalExpression"; inherit text; };
  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkDefault = content: { _type = "override"; priority = 1000; inherit content; };

  types = {
    bool = type "bool" { };
    int = type "int" { };
    str = type "str" { };
    package = type "package" { };
    path = type "path" { };
    ints.unsigned = type "unsignedInt" { };
    nullOr = t: type "nullOr" { elemType = t; };
    listOf = t: type "listOf" { elemType = t; };
    attrsOf = t: type "attrsOf" { elemType = t; };
    oneOf = ts: type "oneOf" { elemTypes = ts; };
    submodule = m: type "submodule" { module = m; };
  };

  optional = c: x: if c then [ x ] else [ ];
  optionalString = c: s: if c then s else "";
  optionalAttrs = c: a: if c then a else { };
  concatStrings = concatStringsSep "";
  concatMapStrings = f: l: concatStrings (map f l);
  inherit concatLists filter;
  any = builtins.any;
  attrValues = a: map (n: a.${n}) (attrNames a);
  mapAttrsToList = f: a: map (n: f n a.${n}) (attrNames a);
  filterAttrs = p: a: listToAttrs (filter (x: p x.name x.value) (map (n: nameValuePair n a.${n}) (attrNames a)));
  mapAttrs' = f: a: listToAttrs (map (n: f n a.${n}) (attrNames a));
  inherit listToAttrs;
  genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);
  unique = foldl' (acc: x: if builtins.elem x acc then acc else acc ++ [ x ]) [ ];
  escapeShellArg = s: "'${replaceStrings [ "'" ] [ "'\\''" ] s}'";
}
