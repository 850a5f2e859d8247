/** The filters that write and read JSON, YAML and base64. */
import { Document, isCollection, isMap, isSeq, visit, parse as yamlParse, stringify as yamlStringify } from 'yaml';
import { type Filter, FilterError, truthy } from './filter-values.js';
import { pyJson, pyStr } from './python-values.js';

// --- YAML as Ansible's to_yaml writes it (PyYAML, default_flow_style=None) --------------------------

/** PyYAML with default_flow_style=None writes a collection of scalars only in flow style, others in block. */
function pyYaml(v: unknown, indent: number, flowLeaves: boolean): string {
  if (v === null || typeof v !== 'object') {
    return yamlStringify(v, { lineWidth: 0 }).replace(/\n$/, '\n');
  }
  const doc = new Document(v);
  if (flowLeaves) {
    visit(doc, {
      Collection(_, node) {
        const items = isMap(node) ? node.items.map((p) => p.value) : isSeq(node) ? node.items : [];
        if (!items.some((i) => isCollection(i))) node.flow = true;
      },
    });
  }
  return doc.toString({ indent, indentSeq: false, lineWidth: 0, flowCollectionPadding: false });
}

function yamlParseSafe(text: string): unknown {
  try {
    return yamlParse(text);
  } catch (e) {
    throw new FilterError(`from_yaml: ${(e as Error).message}`);
  }
}

export const ENCODING_FILTERS: Record<string, Filter> = {
  to_json: (v, _args, kw) =>
    pyJson(v, kw.indent === undefined ? undefined : Number(kw.indent), truthy(kw.sort_keys ?? false)),
  to_nice_json: (v, _args, kw) => pyJson(v, Number(kw.indent ?? 4), true),
  from_json: (v) => {
    try {
      return JSON.parse(String(v));
    } catch (e) {
      throw new FilterError(`from_json: ${(e as Error).message}`);
    }
  },
  to_yaml: (v, _args, kw) => pyYaml(v, Number(kw.indent ?? 2), true),
  to_nice_yaml: (v, _args, kw) => pyYaml(v, Number(kw.indent ?? 4), false),
  from_yaml: (v) => yamlParseSafe(String(v)),
  b64encode: (v) => Buffer.from(pyStr(v), 'utf8').toString('base64'),
  b64decode: (v) => Buffer.from(pyStr(v), 'base64').toString('utf8'),
};
