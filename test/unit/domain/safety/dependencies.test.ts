/** Dependency changes between two versions, major bumps, and the old version's call sites. */
import { diffManifest, findCallSites, isMajorBump } from '../../../../src/domain/safety/dependencies.js';

describe('dependency changes', () => {
  it('package.json: flags a major bump, not a minor one; notes additions and removals', () => {
    const before = JSON.stringify({
      dependencies: { 'payment-sdk': '^3.1.0', lodash: '^4.17.0', left: '1.0.0' },
    });
    const after = JSON.stringify({
      dependencies: { 'payment-sdk': '^4.0.0', lodash: '^4.18.0', right: '2.0.0' },
    });
    const changes = diffManifest('package.json', before, after);
    expect(changes).toEqual(
      expect.arrayContaining([
        {
          ecosystem: 'npm',
          name: 'payment-sdk',
          from: '^3.1.0',
          to: '^4.0.0',
          major: true,
          manifest: 'package.json',
        },
        {
          ecosystem: 'npm',
          name: 'lodash',
          from: '^4.17.0',
          to: '^4.18.0',
          major: false,
          manifest: 'package.json',
        },
        { ecosystem: 'npm', name: 'left', from: '1.0.0', major: false, manifest: 'package.json' },
        { ecosystem: 'npm', name: 'right', to: '2.0.0', major: false, manifest: 'package.json' },
      ]),
    );
    expect(changes).toHaveLength(4);
  });

  it('package-lock.json v3: top-level packages only', () => {
    const lock = (v: string) =>
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': {},
          'node_modules/@acme/pay': { version: v },
          'node_modules/x/node_modules/y': { version: v },
        },
      });
    expect(
      diffManifest('app/package-lock.json', lock('3.1.0'), lock('4.0.1')).map((c) => [c.name, c.major]),
    ).toEqual([['@acme/pay', true]]);
  });

  it('go.mod: a /v2 module path is the same package at a new major', () => {
    const before =
      'module x\n\nrequire (\n\tgithub.com/stripe/stripe-go v1.9.0\n\tgolang.org/x/text v0.3.0 // indirect\n)\n';
    const after =
      'module x\n\nrequire (\n\tgithub.com/stripe/stripe-go/v2 v2.0.0\n\tgolang.org/x/text v0.3.1 // indirect\n)\n';
    expect(diffManifest('go.mod', before, after).map((c) => [c.name, c.from, c.to, c.major])).toEqual([
      ['github.com/stripe/stripe-go', 'v1.9.0', 'v2.0.0', true],
      ['golang.org/x/text', 'v0.3.0', 'v0.3.1', false],
    ]);
  });

  it('requirements.txt and pyproject.toml (PEP 621 and Poetry)', () => {
    expect(
      diffManifest(
        'requirements.txt',
        'Django==3.2.1\nrequests[socks]>=2.0 # http\n',
        'django==4.0\nrequests[socks]>=2.31\n',
      ).map((c) => [c.name, c.major]),
    ).toEqual([
      ['django', true],
      ['requests', false],
    ]);
    const pep621 = (v: string) => `[project]\nname = "x"\ndependencies = [\n  "pydantic>=${v}",\n]\n`;
    expect(
      diffManifest('pyproject.toml', pep621('1.10'), pep621('2.5')).map((c) => [c.name, c.major]),
    ).toEqual([['pydantic', true]]);
    const poetry = (v: string) =>
      `[tool.poetry.dependencies]\npython = "^3.11"\nsqlalchemy = { version = "${v}", extras = ["asyncio"] }\n`;
    expect(
      diffManifest('pyproject.toml', poetry('^1.4'), poetry('^2.0')).map((c) => [c.name, c.major]),
    ).toEqual([['sqlalchemy', true]]);
  });

  it('pyproject.toml is read as TOML: multi-line strings, comments and optional groups', () => {
    const toml = (v: string) => `[project]
name = "svc"
description = """
dependencies = ["not-a-package>=1"]
"""
dependencies = [
  "stripe>=${v}",  # payments ] keep
]
[project.optional-dependencies]
test = ["pytest>=7"]
`;
    expect(diffManifest('pyproject.toml', toml('7.0'), toml('8.1')).map((c) => [c.name, c.major])).toEqual([
      ['stripe', true],
    ]);
    expect(diffManifest('pyproject.toml', 'not [valid toml', toml('8.1')).map((c) => c.name)).toEqual([
      'stripe',
      'pytest',
    ]);
  });

  it('pom.xml is read as XML: a commented-out dependency is not a dependency', () => {
    const pom = (v: string) => `<?xml version="1.0"?>
<project>
  <!-- <dependency><groupId>old</groupId><artifactId>gone</artifactId><version>1.0</version></dependency> -->
  <dependencyManagement><dependencies>
    <dependency><groupId>io.grpc</groupId><artifactId>grpc-bom</artifactId><version>${v}</version></dependency>
  </dependencies></dependencyManagement>
</project>`;
    expect(diffManifest('pom.xml', pom('1.60.0'), pom('2.0.0')).map((c) => [c.name, c.from, c.to])).toEqual([
      ['io.grpc:grpc-bom', '1.60.0', '2.0.0'],
    ]);
  });

  it('Gemfile.lock: resolved gems only, not their constraints', () => {
    const lock = (v: string) =>
      `GEM\n  remote: https://rubygems.org/\n  specs:\n    rails (${v})\n      actionpack (= ${v})\n    rack (2.2.8)\n`;
    expect(
      diffManifest('Gemfile.lock', lock('6.1.7'), lock('7.1.3.2')).map((c) => [c.name, c.major]),
    ).toEqual([['rails', true]]);
  });

  it('pom.xml: groupId:artifactId with ${property} versions', () => {
    const pom = (v: string) =>
      `<project><properties><jackson.version>${v}</jackson.version></properties><dependencies><dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId><version>\${jackson.version}</version></dependency></dependencies></project>`;
    expect(diffManifest('pom.xml', pom('2.15.0'), pom('3.0.0'))).toEqual([
      {
        ecosystem: 'maven',
        name: 'com.fasterxml.jackson.core:jackson-databind',
        from: '2.15.0',
        to: '3.0.0',
        major: true,
        manifest: 'pom.xml',
      },
    ]);
  });

  it('0.x minor bumps count as major; downgrades and unknown files do not', () => {
    expect(isMajorBump('0.3.0', '0.4.0')).toBe(true);
    expect(isMajorBump('4.0.0', '3.1.0')).toBe(false);
    expect(diffManifest('README.md', 'a', 'b')).toEqual([]);
  });
});

describe('call sites in the old version', () => {
  const files = [
    {
      path: 'src/billing/refund.ts',
      content:
        "import { Client as Pay } from 'payment-sdk';\nimport other from 'payment-sdk-extra';\n\nexport const refund = () => Pay.refund(1);\n",
    },
    {
      path: 'src/jobs/retry.js',
      content: "const sdk = require('payment-sdk/legacy');\nmodule.exports = () => sdk.charge();\n",
    },
    { path: 'src/unrelated.ts', content: "// payment-sdk is great\nconst s = 'payment-sdk';\n" },
  ];

  it('finds imports and the uses of what they bound, never mentions in comments or unrelated packages', () => {
    expect(findCallSites('npm', 'payment-sdk', files).map((s) => `${s.path}:${s.line}`)).toEqual([
      'src/billing/refund.ts:1',
      'src/billing/refund.ts:4',
      'src/jobs/retry.js:1',
      'src/jobs/retry.js:2',
    ]);
  });

  it('Go, Python, Ruby and Java imports', () => {
    expect(
      findCallSites('go', 'github.com/stripe/stripe-go', [
        { path: 'a.go', content: 'import (\n\t"github.com/stripe/stripe-go/charge"\n)' },
      ]),
    ).toHaveLength(1);
    expect(
      findCallSites('pypi', 'python-dateutil', [
        { path: 'a.py', content: 'from python_dateutil.parser import parse\n' },
      ]),
    ).toHaveLength(1);
    expect(
      findCallSites('rubygems', 'stripe', [{ path: 'a.rb', content: "require 'stripe'\n" }]),
    ).toHaveLength(1);
    expect(
      findCallSites('maven', 'com.fasterxml.jackson.core:jackson-databind', [
        { path: 'A.java', content: 'import com.fasterxml.jackson.core.JsonParser;\n' },
      ]),
    ).toHaveLength(1);
  });
});
