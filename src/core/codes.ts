/**
 * The catalogue of diagnostic codes. Codes are stable API: never rename one, only add.
 * `docs/errors.md` is generated from this table (`npm run gen:docs`); a test fails when it is stale.
 */
export interface CodeInfo {
  readonly severity: 'error' | 'warning';
  readonly area: 'load' | 'yaml' | 'schema' | 'rules' | 'policy' | 'mesh' | 'render' | 'import';
  /** What triggers it. */
  readonly cause: string;
  /** How to fix it. */
  readonly fix: string;
}

export const CODES = {
  // ---- load: finding and reading files ----
  PROJECT_NOT_FOUND: {
    severity: 'error',
    area: 'load',
    cause: 'The directory has no `meshc.yaml` (or it is not readable).',
    fix: 'Run meshc in the root of a spec repository, pass that directory, or create one with `meshc init`.',
  },
  PROJECT_INVALID: {
    severity: 'error',
    area: 'load',
    cause: '`meshc.yaml` must hold exactly one document of kind `Project`.',
    fix: 'Keep one `kind: Project` document in `meshc.yaml` and move other documents to included files.',
  },
  INCLUDE_NO_MATCH: {
    severity: 'error',
    area: 'load',
    cause:
      'An `include` or `policies` glob of the Project matches no file: the files it was written for would be left out, and their rendered objects deleted by the GitOps engine.',
    fix: 'Correct the pattern, or remove it.',
  },
  PATH_OUTSIDE_ROOT: {
    severity: 'error',
    area: 'load',
    cause: 'A glob, a symlink or the output directory points outside the spec repository.',
    fix: 'Keep every spec file inside the repository; replace the symlink by the file itself.',
  },
  FILE_TOO_LARGE: {
    severity: 'error',
    area: 'load',
    cause:
      'A spec file is larger than the limit (1 MiB), which protects the compiler and reviewers alike. While a spec file is not read, no reference is reported as unknown (the file may declare what it names), and nothing is rendered.',
    fix: 'Split the file into several smaller files matched by `include`.',
  },
  FILE_UNREADABLE: {
    severity: 'error',
    area: 'load',
    cause:
      'A spec file, a directory under a glob, or a file given to `meshc import` or `meshc drift --live` could not be read: permissions, not UTF-8 text, not a regular file (a FIFO, a device), a broken symlink or a symlink loop. While a spec file is not read, no reference is reported as unknown (the file may declare what it names), and nothing is rendered.',
    fix: 'Check the file permissions and encoding (UTF-8); replace special files and broken or looping symlinks by regular files.',
  },
  // load: added for issue 10 (parse helper)
  SPEC_TOO_LARGE: {
    severity: 'error',
    area: 'load',
    cause:
      'The spec files matched by the globs, or the files given to `meshc import` or `meshc drift --live`, add up to more than the limit (64 MiB), checked from their sizes before any is read (and, for import and `--live`, as each is read: a pipe or a device has no size).',
    fix: 'Narrow the `include` globs to the spec files (keep generated or vendored YAML out of them); give `meshc import` and `--live` fewer files (one namespace at a time, the kinds meshc reads).',
  },
  SPEC_FILE_NOT_INCLUDED: {
    severity: 'warning',
    area: 'load',
    cause:
      'A YAML file under the spec directory looks like a meshc document (`apiVersion: meshc.dev/...`) but no `include` or `policies` glob matches it, so it is ignored.',
    fix: 'Add a glob that matches it (a renamed `.yml` file needs its own pattern), or move it out of the spec directory.',
  },
  // ---- yaml: parsing ----
  YAML_SYNTAX: {
    severity: 'error',
    area: 'yaml',
    cause:
      'The file is not valid YAML: for example a `key: value` line without the space after its colon, an unclosed bracket, or an alias (`*name`) with no anchor (`&name`) before it in its document; a plain value that starts with `*`, such as a wildcard host, is read as an alias.',
    fix: 'Fix the syntax at the position shown; the hint says how, or quotes the YAML parser. Quote values that start with `*`.',
  },
  YAML_TAB_INDENT: {
    severity: 'error',
    area: 'yaml',
    cause: 'A tab character is used for indentation; YAML allows only spaces.',
    fix: 'Replace the tabs by spaces (configure your editor to insert spaces in YAML files).',
  },
  YAML_DUPLICATE_KEY: {
    severity: 'error',
    area: 'yaml',
    cause: 'A mapping has the same key twice; most YAML tools silently keep the last one.',
    fix: 'Remove or rename one of the two keys.',
  },
  YAML_ALIAS_LIMIT: {
    severity: 'error',
    area: 'yaml',
    cause:
      'The document expands aliases more than 100 times, or into more than 10,000 nodes (a "billion laughs" guard, checked before any alias is expanded).',
    fix: 'Write the values out instead of nesting aliases.',
  },
  YAML_DEPTH_LIMIT: {
    severity: 'error',
    area: 'yaml',
    cause: 'The document nests deeper than the limit (64 levels).',
    fix: 'Flatten the structure; no meshc kind needs that depth.',
  },
  YAML_UNSUPPORTED: {
    severity: 'error',
    area: 'yaml',
    cause:
      'The document uses a YAML feature meshc does not accept in specs: custom tags, merge keys (`<<`), collections as keys, or keys YAML 1.2 does not read as strings (unquoted `true`, `false`, `null`, `~` and numbers, or an empty key).',
    fix: 'Use plain mappings, sequences and scalars; quote a key such as `"true"` or `"1"` to make it a string.',
  },
  DOC_NOT_A_MAPPING: {
    severity: 'error',
    area: 'yaml',
    cause: 'A YAML document is not a mapping with `apiVersion` and `kind`.',
    fix: 'Every document must be a mapping that starts with `apiVersion: meshc.dev/v1alpha1` and a `kind`.',
  },
  DOC_UNKNOWN_API_VERSION: {
    severity: 'error',
    area: 'yaml',
    cause: 'The document has an `apiVersion` meshc does not know.',
    fix: 'Use `apiVersion: meshc.dev/v1alpha1`.',
  },
  DOC_UNKNOWN_KIND: {
    severity: 'error',
    area: 'yaml',
    cause: 'The document has a `kind` meshc does not know.',
    fix: 'Use one of the kinds listed in the message: Project, Service, Environment, Policy.',
  },
  // yaml: added for issue 10 (parse helper)
  YAML_ALIAS_CYCLE: {
    severity: 'error',
    area: 'yaml',
    cause: 'An alias refers to an anchor on a node that contains the alias: its value would be infinite.',
    fix: 'Write the nested value out instead of referring to the enclosing anchor.',
  },
  YAML_NONASCII_INDENT: {
    severity: 'error',
    area: 'yaml',
    cause:
      'A line is indented with a non-ASCII space (often a no-break space pasted from a web page); YAML reads it as part of the key, not as indentation.',
    fix: 'Replace the character by ordinary spaces.',
  },
  // ---- schema: JSON Schema validation ----
  SCHEMA_UNKNOWN_FIELD: {
    severity: 'error',
    area: 'schema',
    cause: 'A field is not part of the kind (often a typo or wrong indentation).',
    fix: 'Remove the field or correct its name; the hint lists the allowed fields.',
  },
  SCHEMA_REQUIRED: {
    severity: 'error',
    area: 'schema',
    cause: 'A required field is missing.',
    fix: 'Add the field named in the message.',
  },
  SCHEMA_TYPE: {
    severity: 'error',
    area: 'schema',
    cause: 'A value has the wrong type (for example a string where a number is expected).',
    fix: 'Change the value to the expected type; quote strings that look like numbers or booleans.',
  },
  SCHEMA_ENUM: {
    severity: 'error',
    area: 'schema',
    cause: 'A value is not one of the allowed values.',
    fix: 'Use one of the values listed in the hint.',
  },
  SCHEMA_CONSTRAINT: {
    severity: 'error',
    area: 'schema',
    cause: 'A value breaks a constraint of its field (length, range, pattern, number of items).',
    fix: 'Change the value so that it meets the constraint stated in the message.',
  },
  NAME_INVALID: {
    severity: 'error',
    area: 'schema',
    cause:
      'A name is not a DNS-1123 label (lower-case letters, digits and `-`, at most 63 characters, starting and ending alphanumeric).',
    fix: 'Rename it, for example `reviews-v2` rather than `Reviews_V2`.',
  },
  DURATION_INVALID: {
    severity: 'error',
    area: 'schema',
    cause:
      'A duration does not parse as a Go-style duration of at least 1ms in whole milliseconds (the resolution every mesh accepts).',
    fix: 'Write durations like `250ms`, `10s`, `1m30s` or `2h`.',
  },
  PERCENT_RANGE: {
    severity: 'error',
    area: 'schema',
    cause:
      'A percentage is outside 0..100, or not a number, or a fraction where the meshes take whole percents (`maxEjectionPercent`).',
    fix: 'Use a number from 0 to 100 (a whole number for `maxEjectionPercent`).',
  },
  HEADER_NAME_CASE: {
    severity: 'error',
    area: 'schema',
    cause:
      'A header name in a match has upper-case letters; header names match case-insensitively and Istio requires lower-case keys.',
    fix: 'Write the header name in lower case.',
  },
  SECRET_IN_SPEC: {
    severity: 'error',
    area: 'schema',
    cause:
      'A value or a mapping key looks like a private key (PEM, PGP, or base64 DER/PEM), a token (bearer, Basic-auth, JWT, GitHub, GitLab, Slack, npm, Stripe, Google API, AWS) or a URL with a password; secrets never belong in git. Certificates are public and are not flagged. Output masks the value.',
    fix: 'Reference the secret instead: `trust.existingSecret`, `trust.certManager`, or a Secret created outside the spec; then rotate it, it is in the git history.',
  },
  // schema area, issue 10 (validate hardening)
  FORBIDDEN_KEY: {
    severity: 'error',
    area: 'schema',
    cause:
      'A mapping key is `__proto__`, `constructor` or `prototype`; these have a special meaning for JavaScript objects and could change how the spec is merged.',
    fix: 'Rename or remove the key.',
  },
  REGEX_INVALID: {
    severity: 'error',
    area: 'schema',
    cause:
      'A regular expression (a `regex` match, or a `pattern` in a policy schema) does not compile with RE2 syntax, which Istio, Envoy and Linkerd use: no lookarounds, no backreferences, repeat counts up to 1000.',
    fix: 'Rewrite the expression in RE2 syntax; the hint quotes the RE2 parser.',
  },
  DURATION_TOO_LARGE: {
    severity: 'error',
    area: 'schema',
    cause:
      'A duration is larger than the meshes can hold: Kubernetes and Istio validate durations as Go `time.Duration` values and Linkerd parses them likewise, which ends at 2562047h47m16.854s (about 292 years).',
    fix: 'Use a shorter duration.',
  },
  // ---- rules: semantic checks ----
  SERVICE_DUPLICATE: {
    severity: 'error',
    area: 'rules',
    cause: 'Two Service documents have the same namespace and name.',
    fix: 'Remove one of them or give it another name; the related location shows the first definition.',
  },
  ENVIRONMENT_DUPLICATE: {
    severity: 'error',
    area: 'rules',
    cause: 'Two Environment documents have the same name.',
    fix: 'Give every environment a unique name.',
  },
  POLICY_DUPLICATE: {
    severity: 'error',
    area: 'rules',
    cause: 'Two Policy documents have the same name.',
    fix: 'Give every policy a unique name.',
  },
  PORT_DUPLICATE: {
    severity: 'error',
    area: 'rules',
    cause: 'Two ports of a Service share a name or a port number.',
    fix: 'Give every port a unique name and number.',
  },
  ROUTE_NAME_DUPLICATE: {
    severity: 'error',
    area: 'rules',
    cause: 'Two routes of a Service have the same name.',
    fix: 'Give every named route a unique name.',
  },
  ROUTE_TO_AND_BACKENDS: {
    severity: 'error',
    area: 'rules',
    cause: 'A route sets both `to` and `backends`; they are two forms of the same thing.',
    fix: 'Keep one: `to` for versions of this service, `backends` for other services.',
  },
  ROUTE_UNREACHABLE: {
    severity: 'warning',
    area: 'rules',
    cause: 'A route comes after a route without `match`, which matches every request; it can never be used.',
    fix: 'Move the unmatched (default) route to the end, or give it a `match`.',
  },
  VERSION_UNKNOWN: {
    severity: 'error',
    area: 'rules',
    cause: 'A route, mirror or backend names a version that the target service does not define.',
    fix: 'Use one of the versions listed in the hint, or add the version under `versions`.',
  },
  VERSIONS_REQUIRED: {
    severity: 'error',
    area: 'rules',
    cause: 'Weights or a mirror refer to versions, but the service defines no `versions`.',
    fix: 'Define `versions` with their pod labels, or route to the whole service with `backends`.',
  },
  WEIGHTS_SUM: {
    severity: 'error',
    area: 'rules',
    cause: 'The weights of a route do not add up to 100.',
    fix: 'Make the weights integers that sum to exactly 100.',
  },
  VERSION_SELECTOR_OVERLAP: {
    severity: 'error',
    area: 'rules',
    cause: 'Two versions of a Service have label selectors that can select the same pod.',
    fix: 'Give each version a label value that the others do not have (for example `version: v1` and `version: v2`).',
  },
  SERVICE_SELECTOR_OVERLAP: {
    severity: 'error',
    area: 'rules',
    cause:
      "Two Services of a namespace have selectors that can select the same pod (no label on which they require different values), and one of them has `access` or its own `mtls` (or versions of both select the same pods): the meshes attach access and mTLS policies to pods, not to Services, so one service's rules would apply to the other's requests too (Istio ORs the ALLOW policies of a pod; Linkerd takes one Server per pod port).",
    fix: 'Give the two services selectors that differ in the value of one label (for example `app: web` and `app: web-admin`), or keep `access` and `mtls` on one of them only.',
  },
  SERVICE_UNKNOWN: {
    severity: 'error',
    area: 'rules',
    cause: 'A `backends` entry or an `access.from` entry names a Service that is not defined in the spec.',
    fix: 'Use the name of a defined Service (`name` in the same namespace or `namespace/name`), or define it.',
  },
  OVERRIDE_SERVICE_UNKNOWN: {
    severity: 'error',
    area: 'rules',
    cause: 'An Environment override names a Service that is not defined.',
    fix: 'Use `namespace/name` of a defined Service.',
  },
  OVERRIDE_INVALID: {
    severity: 'error',
    area: 'rules',
    cause: 'After an Environment override is merged, the Service no longer satisfies its schema.',
    fix: 'Correct the override; the message names the field that became invalid.',
  },
  ENVIRONMENT_NAMESPACES_UNMATCHED: {
    severity: 'warning',
    area: 'rules',
    cause: 'A namespace listed in an Environment `namespaces` filter has no Service.',
    fix: 'Remove the namespace from the filter, or correct its spelling.',
  },
  CLUSTER_MESH_CONFLICT: {
    severity: 'error',
    area: 'rules',
    cause:
      'Two environments on the same cluster use different meshes or different mesh settings; one cluster runs one mesh, configured once.',
    fix: 'Give every environment of a cluster the same `mesh` settings, or move one to another cluster.',
  },
  CLUSTER_NAMESPACE_CONFLICT: {
    severity: 'error',
    area: 'rules',
    cause:
      'Two environments on the same cluster deploy the same namespace; their objects would overwrite each other.',
    fix: 'Give the environments disjoint `namespaces`, or put them on different clusters.',
  },
  GITOPS_NAME_TOO_LONG: {
    severity: 'error',
    area: 'rules',
    cause:
      'A GitOps object name meshc derives from the environment and a namespace (`<env>-<namespace>`, `<env>-mesh-install`) is longer than 63 characters; Flux and Argo CD copy it into label values, which Kubernetes limits to 63.',
    fix: 'Shorten the environment name or the namespace.',
  },
  GITOPS_REPO_NO_CREDENTIALS: {
    severity: 'warning',
    area: 'rules',
    cause:
      'A Flux environment deploys from an `ssh://` repository without `gitops.secretRef`: source-controller needs an ssh key to fetch it, so the GitRepository never syncs.',
    fix: 'Create a Secret in `flux-system` with the key (`flux create secret git`) and name it in `gitops.secretRef`, or use an https URL for a public repository.',
  },
  OUTPUT_PATH_INVALID: {
    severity: 'error',
    area: 'rules',
    cause:
      'The Project `output` is not a relative path inside the repository, or it overlaps the spec files.',
    fix: 'Use a relative directory such as `rendered`.',
  },
  // ---- policy ----
  POLICY_VIOLATION: {
    severity: 'error',
    area: 'policy',
    cause: 'A resolved object breaks an organisation Policy (severity comes from the policy).',
    fix: 'Change the spec so that it satisfies the policy named in the message, or discuss the policy with its owners.',
  },
  POLICY_SCHEMA_INVALID: {
    severity: 'error',
    area: 'policy',
    cause: "A Policy's `schema` is not a valid JSON Schema.",
    fix: 'Correct the schema; the message quotes the JSON Schema compiler.',
  },
  // policy area, issue 10 (validate hardening)
  POLICY_GLOB_INVALID: {
    severity: 'error',
    area: 'policy',
    cause:
      'A `match.environments` or `match.namespaces` glob of a Policy holds characters no name can have (names are DNS-1123 labels; globs add only `*` and `?`), so the policy would silently match nothing.',
    fix: 'Write the glob with lower-case letters, digits, `-`, `*` and `?` only, for example `prod-*`.',
  },
  // ---- mesh: capabilities ----
  MESH_UNSUPPORTED_FEATURE: {
    severity: 'error',
    area: 'mesh',
    cause: "A field is used that the environment's mesh cannot express; meshc never drops a field silently.",
    fix: 'Remove the field for this environment (an override), or run the environment on one of the meshes named in the message.',
  },
  MESH_APPROXIMATE_FEATURE: {
    severity: 'warning',
    area: 'mesh',
    cause:
      "A field is expressed only approximately by the environment's mesh; the message says what differs. One warning per environment and feature, at its first use: the message counts the other uses, the first 5 of them are listed as related locations.",
    fix: 'Check that the difference is acceptable, or remove the field for this environment.',
  },
  MESH_CONSTRAINT: {
    severity: 'error',
    area: 'mesh',
    cause:
      "A value is valid in the spec but breaks a fixed requirement of the environment's mesh (for example a secret name the mesh hard-codes, or a `mesh.install.chartVersion` that is not a chart of `mesh.version`).",
    fix: 'Change the value as the message says; the hint quotes the mesh documentation.',
  },
  MESH_CHART_VERSION_UNKNOWN: {
    severity: 'warning',
    area: 'mesh',
    cause:
      "`mesh.install.chartVersion` has a form meshc cannot place among the charts of the environment's mesh (for Linkerd, not the `YYYY.M.P` of an edge release nor the older `1.x.y`; for Consul, a consul chart minor meshc does not know), so it cannot check that the chart installs `mesh.version`.",
    fix: 'Use a chart version of `mesh.version` as the hint gives it, or check by hand that the chart installs that version.',
  },
  MESH_NOT_IMPLEMENTED: {
    severity: 'error',
    area: 'mesh',
    cause:
      'The environment runs a mesh that the spec language knows but this version of meshc cannot render yet (skipping it would make the GitOps engine prune everything it deployed).',
    fix: 'Upgrade meshc, or render the environment with another mesh (`meshc validate --mesh MESH` previews it); `meshc matrix` lists the meshes this version renders.',
  },
  // mesh (issue 10, Linkerd side): ingress and authorization
  MESH_INGRESS_NOT_MESHED: {
    severity: 'warning',
    area: 'mesh',
    cause:
      "Authorization of an exposed service relies on the ingress controller's mesh identity, but meshc does not mesh the ingress namespace (it does not own it, or it is the control plane's), so the controller may call in plaintext and be refused.",
    fix: 'Mesh the ingress controller yourself (`linkerd.io/inject: enabled` on its pods or namespace), or choose an ingress namespace meshc creates.',
  },
  MESH_INGRESS_UNREACHABLE: {
    severity: 'warning',
    area: 'mesh',
    cause:
      'A service is exposed through the ingress, but its `access` is `[]` (it admits no caller); the ingress gateway is admitted only with what the access rules grant, so every request through it is refused.',
    fix: 'Add an access rule for the requests the ingress should pass, or remove `ingress`.',
  },
  // mesh: Istio hardening (issue 10)
  MESH_ACCESS_WITHOUT_MTLS: {
    severity: 'error',
    area: 'mesh',
    cause:
      "A service's `access` rules name callers by their identity (services; the ingress gateway too when the service is exposed), but the service's effective mTLS mode is `off`: plaintext requests carry no identity, so those rules could never match and the callers would be denied.",
    fix: 'Set `mtls: permissive` or `strict` for the service (or its environment), or allow the callers with `from: ["*"]`.',
  },
  // mesh: App Mesh (issue 13)
  APPMESH_END_OF_SUPPORT: {
    severity: 'warning',
    area: 'mesh',
    cause:
      'The environment runs AWS App Mesh, which reached its end of support on 2026-09-30: meshc still renders it, for teams keeping it correct until they move off.',
    fix: 'Preview the move with `meshc validate --env NAME --mesh istio` (or `linkerd`, `consul`): it reports what the same spec needs on that mesh; `meshc matrix` lists the differences.',
  },
  APPMESH_TRUST_REQUIRED: {
    severity: 'error',
    area: 'mesh',
    cause:
      'A service resolves to `mtls: strict` on App Mesh, but the environment names no certificate source App Mesh can verify clients with (`mesh.trust.sds` or `mesh.trust.file`): App Mesh has no mesh CA, every listener names its certificates.',
    fix: 'Set `mesh.trust.sds: {}` (SPIRE) or `mesh.trust.file` (mounted certificate files), or relax the mode to `permissive`.',
  },
  APPMESH_INSTALL_VALUE_MISSING: {
    severity: 'error',
    area: 'mesh',
    cause:
      "`mesh.install` renders the appmesh-controller chart, but `install.values` lacks a value only the user knows: the AWS `region`, or the ARN of the controller's IAM role (`serviceAccount.annotations` `eks.amazonaws.com/role-arn`).",
    fix: 'Add the value to `mesh.install.values` (the role is created outside Kubernetes, see the App Mesh backend README); meshc never creates credentials.',
  },
  // ---- render ----
  RENDER_CONFLICT: {
    severity: 'error',
    area: 'render',
    cause: 'Two parts of the spec produce the same Kubernetes object or the same output file.',
    fix: 'The message names both sources. Environments sharing a cluster that render one object differently: give them the same settings for it (the services or mesh settings named, e.g. one mesh version and mTLS mode) or put them on separate clusters. Two environments of one name, names that meet once joined (environment `a` with namespace `b-c`, `a-b` with `c`), a namespace named `mesh-system`, or two objects for one file: rename one of the services, namespaces or environments involved.',
  },
  OUTPUT_NOT_OWNED: {
    severity: 'error',
    area: 'render',
    cause: 'A file meshc needs to write already exists and was not written by meshc.',
    fix: 'Move the file out of the output directory, or choose another `output` in meshc.yaml.',
  },
  OUTPUT_STALE: {
    severity: 'error',
    area: 'render',
    cause: '`meshc render --check` found committed output that differs from a fresh render.',
    fix: 'Run `meshc render` and commit the result.',
  },
  // ---- render (gitops: environment patches, meshc verify) ----
  PATCH_TARGET_NO_MATCH: {
    severity: 'error',
    area: 'render',
    cause:
      "An Environment patch's `target` matches no object the environment renders (its namespaces, mesh-system objects, or its own Flux / Argo CD objects), so the patch would silently do nothing.",
    fix: 'List what the environment renders with `meshc build --env NAME` and correct kind, name, namespace, group or version of the target.',
  },
  VERIFY_NOT_RENDERED: {
    severity: 'error',
    area: 'render',
    cause:
      '`meshc verify` found no written overlay directory (or no kustomization.yaml in it) where the render puts one.',
    fix: 'Run `meshc render` (and commit the result), then verify again.',
  },
  VERIFY_BUILD_FAILED: {
    severity: 'error',
    area: 'render',
    cause:
      '`meshc verify`: kustomize could not build a written overlay directory; the message quotes kustomize.',
    fix: "Fix the file kustomize names (often a patch of your own in the overlay's `user/` component), or run `meshc render` to restore the files meshc owns.",
  },
  VERIFY_MISMATCH: {
    severity: 'error',
    area: 'render',
    cause:
      "`meshc verify`: what kustomize builds from a written overlay differs from meshc's own render of it (an object missing, extra, or a field with another value), usually because of a patch in the overlay's `user/` component or a hand edit.",
    fix: 'If the difference is intended (your own patch), express it in the spec (an override or an Environment patch) so that meshc renders it; otherwise remove it, or run `meshc render`.',
  },
  // render (helper "cli": the writer's guards)
  OUTPUT_REMOVALS: {
    severity: 'error',
    area: 'render',
    cause:
      'A whole environment, namespace, mesh-wide directory of an environment (`mesh-system/install`, whose removal uninstalls the control plane, `prerequisites` or `config`), Flux HelmRelease of an install that stays (Flux uninstalls it) or cluster directory of the output on disk would disappear from the new render, or an environment on disk would move to another mesh; Flux and Argo CD would prune it from the cluster.',
    fix: 'Fix the spec if files were moved, renamed or fell outside the globs; move a mesh through a new cluster or in a planned window (README, "Moving between meshes"); if the removal is intended, run `meshc render --allow-removals`.',
  },
  OUTPUT_LOCKED: {
    severity: 'error',
    area: 'render',
    cause: 'Another `meshc render` is writing the same output directory at this moment.',
    fix: 'Wait for it to finish and run again; remove the `.<output>.meshc-lock` file beside the output only if no meshc is running.',
  },
  OUTPUT_DIR_INVALID: {
    severity: 'error',
    area: 'render',
    cause:
      'The output directory is the spec or repository root, lies inside `.git`, or overlaps the spec files (it holds meshc.yaml or a spec file).',
    fix: 'Choose a dedicated directory, such as `rendered`, for `output` (or `-o`).',
  },
  OUTPUT_WRITE_FAILED: {
    severity: 'error',
    area: 'render',
    cause:
      "The disk refused to read or write the output directory (permissions, a read-only or full filesystem, a file where a directory must be); the tree on disk is left as it was. `meshc import`: a file name longer than the disk takes (255 bytes) is refused before anything is written; a refusal midway keeps the files written so far, listed as the import's so that the next import may replace them.",
    fix: 'Fix the permissions or free space of the output directory and its parent, or choose another output directory.',
  },
  // load (helper "cluster": reading a live cluster with `meshc drift --context` / `import --cluster`, and
  // `--live` dumps)
  CLUSTER_NO_KUBECONFIG: {
    severity: 'error',
    area: 'load',
    cause:
      'No kubeconfig was found: `--kubeconfig` names no readable file, or neither `KUBECONFIG` nor `~/.kube/config` holds one.',
    fix: 'Pass `--kubeconfig FILE`, set `KUBECONFIG`, or create `~/.kube/config` (for example with your cloud CLI); meshc only reads the cluster.',
  },
  CLUSTER_KUBECONFIG_INVALID: {
    severity: 'error',
    area: 'load',
    cause:
      'The kubeconfig could not be used: it is not valid YAML, it is larger than 16 MiB (a device or an endless pipe is read no further), its context names a cluster or user it does not define, or its server URL is not usable (plain `http://` without `insecure-skip-tls-verify`).',
    fix: 'Check the file with `kubectl config view --kubeconfig FILE`; the message quotes what was wrong.',
  },
  CLUSTER_UNKNOWN_CONTEXT: {
    severity: 'error',
    area: 'load',
    cause:
      '`--context` names a context the kubeconfig does not have, or none was given and the kubeconfig has no `current-context`.',
    fix: 'Pick one of the contexts the message lists (`kubectl config get-contexts`).',
  },
  CLUSTER_UNREACHABLE: {
    severity: 'error',
    area: 'load',
    cause:
      'The API server of the context could not be reached (connection refused, unknown host, TLS failure).',
    fix: 'Check the network path to the server named in the message (VPN, proxy, `kubectl cluster-info --context NAME`).',
  },
  CLUSTER_UNAUTHORIZED: {
    severity: 'error',
    area: 'load',
    cause:
      'The API server answered 401: the credentials of the context were refused (expired token or certificate).',
    fix: 'Log in again (refresh the token of your cloud CLI or the client certificate), then run meshc again.',
  },
  CLUSTER_FORBIDDEN: {
    severity: 'error',
    area: 'load',
    cause:
      'The API server answered 403 to a read meshc needs; the message names the verb, the resource and the namespace. meshc reads nothing partially: what it could not list would look missing.',
    fix: 'Grant the user of the context `get` and `list` on the resources named (a read-only ClusterRole such as `view`, plus the mesh CRDs), or limit the read with `--namespace`.',
  },
  CLUSTER_TIMEOUT: {
    severity: 'error',
    area: 'load',
    cause: 'A request to the API server got no complete answer in time.',
    fix: 'Check the load of the API server and the network; raise the limit with `--timeout SECONDS`.',
  },
  CLUSTER_BAD_RESPONSE: {
    severity: 'error',
    area: 'load',
    cause:
      'The API server answered a request with an error status or with something that is not the JSON document of the Kubernetes API (a proxy page, a 5xx).',
    fix: 'Check that the server URL of the context points at the Kubernetes API itself (not a dashboard or proxy), and retry.',
  },
  CLUSTER_NO_MESH: {
    severity: 'warning',
    area: 'load',
    cause:
      'No service mesh was found in the cluster: none of the CRD groups or control-plane workloads of Istio, Linkerd, Consul or App Mesh.',
    fix: 'Check the context (`--context`); if the mesh runs elsewhere, point meshc at that cluster.',
  },
  CLUSTER_MESH_VERSION_UNKNOWN: {
    severity: 'warning',
    area: 'load',
    cause:
      'A mesh was found (its CRDs), but its version could not be told: its control-plane workload was not found or could not be listed, or its image tag is not a release version.',
    fix: 'Set `mesh.version` of the environment by hand (the version of the control plane).',
  },
  LIVE_DUMP_INVALID: {
    severity: 'error',
    area: 'load',
    cause:
      'A document, or an item of a `List`, in a file given to `meshc drift --live` is not a Kubernetes object (no `apiVersion`, `kind` or `metadata.name`). Those files are read as `meshc import` reads its own: a file that is not YAML or JSON gets the `YAML_*` codes, with their positions.',
    fix: 'Export the objects again with `kubectl get KINDS -A -o yaml > FILE`, or remove the document meshc points at.',
  },
  LIVE_DUPLICATE_OBJECT: {
    severity: 'error',
    area: 'load',
    cause:
      'The live objects name the same object (kind, namespace, name) twice with different contents, so meshc cannot tell which one is live.',
    fix: 'Keep one export per cluster: remove the stale copy meshc points at.',
  },
  LIVE_KIND_NOT_COMPARED: {
    severity: 'warning',
    area: 'load',
    cause:
      'The live objects include kinds `meshc drift` does not compare (Pods, ReplicaSets, ...: objects meshc neither renders nor reads); they are skipped.',
    fix: 'Nothing to do, or export only the mesh and Kubernetes kinds meshc reads (see the README, Drift).',
  },
  // import (helper "import": `meshc import` of native mesh YAML)
  IMPORT_NOT_CARRIED: {
    severity: 'warning',
    area: 'import',
    cause:
      '`meshc import`: a field or object of the native manifests has no counterpart in the meshc spec (a match form it lacks, such as a header-present match, a host that is no Kubernetes Service, a policy action other than ALLOW, a mesh setting with no neutral word), or it names a service or version the import does not write (a route destination or access caller whose service has a name no Service can have, or a subset no version is called), or the spec refuses its value (a path that is no URL path, a header value with a control character, a duration under 1ms or not in whole milliseconds); the imported spec does without it, and without a route left with no destination or whose weights it would change.',
    fix: 'Decide whether the behaviour matters: express it another way in the spec, keep it with an Environment `patches` entry, or accept the difference. The report names the field and why.',
  },
  IMPORT_APPROXIMATED: {
    severity: 'warning',
    area: 'import',
    cause:
      '`meshc import`: a field was carried into the spec with a difference in meaning that the report states (a namespace-wide setting applied to each imported service, a selector narrowed to a version, a port protocol assumed).',
    fix: 'Check the imported spec at the reported field and adjust it by hand if the difference matters.',
  },
  IMPORT_CONFLICT: {
    severity: 'warning',
    area: 'import',
    cause:
      '`meshc import`: several objects configure the same thing (two VirtualServices or DestinationRules for one host, two PeerAuthentications for one workload), which the mesh resolves by an order meshc cannot see; one was carried, the others were not.',
    fix: 'Merge the objects by hand in the imported spec; the report names the one that was carried.',
  },
  IMPORT_UNKNOWN_KIND: {
    severity: 'warning',
    area: 'import',
    cause:
      '`meshc import`: an object of a kind that no mesh importer reads (or of a mesh other than the one the input was detected as); it is not carried.',
    fix: 'Leave it out of the import, or keep it beside the rendered output as your own manifest.',
  },
  IMPORT_NO_SERVICE: {
    severity: 'warning',
    area: 'import',
    cause:
      '`meshc import`: an object refers to a workload, host or identity that matches no Kubernetes Service of the input, so the import cannot tell which meshc Service it belongs to (or had to assume its ports).',
    fix: 'Import the Kubernetes Services (and Deployments, for service accounts) together with the mesh objects (`kubectl get svc,deploy -o yaml`), or add the Service to the spec by hand.',
  },
  IMPORT_PLACEHOLDER: {
    severity: 'warning',
    area: 'import',
    cause:
      '`meshc import`: the spec needs a value the input does not hold: the GatewayClass of the Gateway an ingress HTTPRoute is attached to, when that Gateway is not in the input. The import writes the placeholder `UNKNOWN`, which `meshc validate` refuses until it is set, rather than guess a class and deploy a Gateway nobody serves.',
    fix: 'Import the Gateway together with its routes (`kubectl get gateways,httproutes -A -o yaml`), or set `spec.mesh.ingress.className` in the imported Environment to your GatewayClass.',
  },
  IMPORT_INVALID_OBJECT: {
    severity: 'error',
    area: 'import',
    cause:
      '`meshc import`: a YAML document (or an item of a `List`) is not a Kubernetes object: it lacks `apiVersion`, `kind` or `metadata.name`, or is not a mapping; or its `metadata.namespace` is not a DNS label, or its `metadata.name` is empty, `.`, `..`, holds `/` or `%`, or is longer than 253 bytes (names the API server refuses, and that would name files outside the output or that the disk refuses); or it is a Kubernetes Service whose name or a port name is not a DNS label (capitals, a dot, a space, more than 63 characters, or, for the name, a leading digit: the name a meshc Service and its ports must have, and that the API server refuses too), or a port number is outside 1..65535.',
    fix: 'Fix or remove the document; `kubectl get -o yaml` output and `kubectl apply` manifests are read as they are.',
  },
  IMPORT_MESH_UNKNOWN: {
    severity: 'warning',
    area: 'import',
    cause:
      '`meshc import`: no object of the input shows which mesh it was written for (only Kubernetes or Gateway API objects), so no Environment was written.',
    fix: 'Pass `--mesh MESH` (one of the meshes meshc can import), or import the mesh objects too.',
  },
  IMPORT_OUTPUT_NOT_EMPTY: {
    severity: 'error',
    area: 'import',
    cause:
      '`meshc import`: the output directory holds files that an earlier `meshc import` did not write; the import writes nothing rather than mix with them.',
    fix: 'Choose an empty or new directory with `-o`, or pass `--force` to write beside those files (files of the same name are still never overwritten unless an earlier import wrote them).',
  },
  // ---- rollouts: progressive delivery by Flagger (Service.rollout, Environment.rollouts) ----
  ROLLOUT_STEP_ABOVE_MAX: {
    severity: 'error',
    area: 'rules',
    cause:
      'A canary rollout steps its weight by more than `maxWeight`, the weight at which Flagger promotes.',
    fix: 'Lower `stepWeight` or raise `maxWeight` (stepWeight <= maxWeight <= 100).',
  },
  ROLLOUT_INTERVAL_TOO_SHORT: {
    severity: 'error',
    area: 'rules',
    cause:
      "A rollout's analysis `interval` is shorter than 10s, Flagger's minimum (it would silently use 10s instead).",
    fix: 'Set `interval` to 10s or more (Flagger defaults to 1m).',
  },
  ROLLOUT_STRATEGY_FIELD: {
    severity: 'error',
    area: 'rules',
    cause:
      'A rollout lacks a field its strategy needs (`stepWeight` for canary, `iterations` for ab and bluegreen, `match` for ab), or sets one its strategy does not use.',
    fix: 'canary: stepWeight (and maxWeight); ab: iterations and match; bluegreen: iterations.',
  },
  ROLLOUT_SELECTOR_LABEL: {
    severity: 'error',
    area: 'rules',
    cause:
      "The service's selector has none of the labels Flagger rewrites for its primary pods (`app`, `name`, `app.kubernetes.io/name`).",
    fix: 'Select the pods by `app` (or `name`, `app.kubernetes.io/name`), as the workload Flagger rolls out does.',
  },
  ROLLOUT_CONFLICT: {
    severity: 'error',
    area: 'rules',
    cause:
      "A service with `rollout` also sets routing that Flagger's Canary cannot carry: `versions`, several or matched routes, weighted `to` or `backends`, `mirror` or `fault`.",
    fix: 'Flagger owns the routing of a rolled-out service: keep one route with at most timeout, retries and headers, or drop `rollout`.',
  },
  ROLLOUT_WITHOUT_FLAGGER: {
    severity: 'error',
    area: 'rules',
    cause:
      'A service has `rollout` in an environment without `rollouts.flagger`: nothing would run its Canary.',
    fix: 'Add `rollouts: { flagger: { chartVersion, metricsServer } }` to the environment, or remove `rollout` there with an override.',
  },
} as const satisfies Record<string, CodeInfo>;

export type DiagnosticCode = keyof typeof CODES;

export const ALL_CODES = Object.keys(CODES).sort() as DiagnosticCode[];
