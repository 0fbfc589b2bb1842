// Lints Cypher statements with Neo4j's own Cypher front end
// (@neo4j-cypher/language-support), for the Python tests (tests/cypher_lint.py).
//
// stdin:  a JSON array of Cypher statement strings.
// stdout: a JSON array with one object per statement, in the same order:
//           {"statement": str,
//            "errors":   [{"message": str, "line": int, "column": int}, ...],
//            "warnings": [{"message": str, "line": int, "column": int}, ...]}
//         line and column are 1-based (the library's are 0-based).
// exit:   0 when every statement was linted, whatever the lint found;
//         non-zero (message on stderr) only when the harness itself failed.
//
// The schema is the package's testData.mockSchema cut down to its functions and
// procedures (Neo4j's built-ins, APOC, GDS, ...). Its labels, relationship
// types and property keys belong to a made-up example database: keeping them
// would warn about every one of our labels and properties. Statements are
// linted as Cypher 5, the library's default when a statement has no
// CYPHER prefix.
//
// "Parameter $x is not defined." errors are dropped: our statements get their
// parameters from the driver at run time, not from the schema.

import { lintCypherQuery, isNotParamError, testData } from '@neo4j-cypher/language-support';

const ERROR = 1; // LSP DiagnosticSeverity.Error; 2-4 are warning, information, hint.

const schema = {
  functions: testData.mockSchema.functions,
  procedures: testData.mockSchema.procedures,
};

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (chunk) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function toEntry(diagnostic) {
  return {
    message: diagnostic.message,
    line: diagnostic.range.start.line + 1,
    column: diagnostic.range.start.character + 1,
  };
}

function lintOne(statement) {
  // Console commands such as ":param" are for Neo4j's browser, not the driver.
  const { diagnostics } = lintCypherQuery(statement, schema, { consoleCommandsEnabled: false });
  const kept = diagnostics.filter(isNotParamError);
  return {
    statement,
    errors: kept.filter((d) => d.severity === ERROR).map(toEntry),
    warnings: kept.filter((d) => d.severity !== ERROR).map(toEntry),
  };
}

async function main() {
  const statements = JSON.parse(await readStdin());
  if (!Array.isArray(statements) || !statements.every((s) => typeof s === 'string')) {
    throw new Error('stdin must be a JSON array of strings');
  }
  process.stdout.write(JSON.stringify(statements.map(lintOne)) + '\n');
}

main().catch((err) => {
  process.stderr.write(`lint.mjs: ${err?.stack ?? err}\n`);
  process.exit(2);
});
