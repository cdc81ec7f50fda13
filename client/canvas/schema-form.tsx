// A form generated from a node type's JSON Schema (made from its zod config on the server), so
// custom node types get an inspector without a client build. Conditions get their own editor.
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';
import { Button } from '../ui/button';
import { ConditionEditor } from './condition-editor';
import { VariablePicker } from './variable-picker';
import { DateTimeField } from '../ui/date-field';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
  format?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
  // What the node type's definition says about the field (zod .meta(), translated by the server):
  title?: string;
  /** One line of help under the field. */
  description?: string;
  /** Names for an enum's values, or for a choice's tag values. */
  options?: Record<string, string>;
  /** What one entry of a list is called. */
  itemTitle?: string;
  /** How the field is edited: condition, html, liquid, liquid-multiline, weekdays, event, trait… */
  widget?: string;
}

/** "monetaryTarget" → "Monetary target". */
export function humanize(name: string): string {
  const spaced = name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[-_]/g, ' ')
    .toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop()!;
    // The texts written beside a reference (title, help, widget) belong to this use of it.
    const { $ref: _ref, ...beside } = schema;
    return { ...resolve((root.$defs ?? root.definitions ?? {})[name] ?? {}, root), ...beside };
  }
  return schema;
}

/** A value to start a new list item or variant from: the schema's defaults, recursively. */
export function defaultFor(schema: JsonSchema, root: JsonSchema): unknown {
  const resolved = resolve(schema, root);
  if (resolved.default !== undefined) return structuredClone(resolved.default);
  if (resolved.const !== undefined) return resolved.const;
  const variants = resolved.anyOf ?? resolved.oneOf;
  if (variants?.length) return defaultFor(variants[0], root);
  const type = Array.isArray(resolved.type) ? resolved.type[0] : resolved.type;
  if (type === 'object') {
    return Object.fromEntries(
      Object.entries(resolved.properties ?? {})
        .filter(([key]) => resolved.required?.includes(key))
        .map(([key, property]) => [key, defaultFor(property, root)]),
    );
  }
  if (type === 'array') return [];
  if (type === 'number' || type === 'integer') return resolved.minimum ?? 0;
  if (type === 'boolean') return false;
  if (type === 'string') return resolved.enum?.[0] ?? '';
  return undefined;
}

/** A condition (match + rules) gets the condition builder, whatever the field is called. */
function isCondition(schema: JsonSchema): boolean {
  return schema.widget === 'condition' || Boolean(schema.properties?.match && schema.properties?.rules);
}

const multilineWidgets = new Set(['html', 'liquid-multiline', 'multiline']);
/** Fields rendered with Liquid: they get the variable picker. */
const liquidWidgets = new Set(['html', 'liquid', 'liquid-multiline']);

interface FieldProps {
  name: string;
  label: string;
  schema: JsonSchema;
  root: JsonSchema;
  value: unknown;
  onChange(value: unknown): void;
  path: string;
  /** The field may be left empty (not in its object's `required`). */
  optional?: boolean;
}

/** The field's one line of help, tied to its input by aria-describedby. */
function Help({ id, text }: { id: string; text?: string }) {
  return text ? (
    <small id={`${id}-help`} className="field-help">
      {text}
    </small>
  ) : null;
}

function Field({ name, label, schema: raw, root, value, onChange, path, optional }: FieldProps): ReactNode {
  const { t } = useI18n();
  const schema = resolve(raw, root);
  const id = `field-${path}`;
  const help = schema.description;
  const describedBy = help ? `${id}-help` : undefined;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    const nonNull = variants.filter((variant) => resolve(variant, root).type !== 'null');
    if (nonNull.length === 1) {
      const { anyOf: _anyOf, oneOf: _oneOf, ...beside } = schema;
      return (
        <Field
          name={name}
          label={label}
          schema={{ ...resolve(nonNull[0], root), ...beside }}
          root={root}
          value={value}
          onChange={onChange}
          path={path}
          optional={optional}
        />
      );
    }
    // A tagged union (e.g. profile operations): choose the variant by its constant field.
    const tag = Object.entries(resolve(nonNull[0], root).properties ?? {}).find(
      ([, property]) => property.const !== undefined,
    )?.[0];
    if (tag) {
      const current = (value ?? {}) as Record<string, unknown>;
      const chosen =
        nonNull.find((variant) => resolve(variant, root).properties?.[tag]?.const === current[tag]) ??
        nonNull[0];
      const tagSchema = resolve(chosen, root).properties?.[tag];
      return (
        <fieldset className="subform">
          <legend>{label}</legend>
          <label className="field" htmlFor={`${id}-${tag}`}>
            <span>{tagSchema?.title ?? humanize(tag)}</span>
            <select
              id={`${id}-${tag}`}
              value={String(current[tag] ?? '')}
              onChange={(event) => {
                const next = nonNull.find(
                  (variant) => resolve(variant, root).properties?.[tag]?.const === event.target.value,
                )!;
                onChange(defaultFor(next, root));
              }}
            >
              {nonNull.map((variant) => {
                const property = resolve(variant, root).properties?.[tag];
                const constant = String(property?.const);
                return (
                  <option key={constant} value={constant}>
                    {property?.options?.[constant] ?? schema.options?.[constant] ?? humanize(constant)}
                  </option>
                );
              })}
            </select>
          </label>
          <Help id={id} text={help} />
          <ObjectFields
            schema={resolve(chosen, root)}
            root={root}
            value={current}
            onChange={onChange}
            path={path}
            skip={tag}
          />
        </fieldset>
      );
    }
  }
  if (isCondition(schema)) {
    return (
      <>
        <ConditionEditor label={label} value={value as never} onChange={onChange} optional={optional} />
        <Help id={id} text={help} />
      </>
    );
  }
  const type = Array.isArray(schema.type)
    ? schema.type.find((candidate) => candidate !== 'null')
    : schema.type;
  if (schema.enum) {
    return (
      <>
        <label className="field" htmlFor={id}>
          <span>{label}</span>
          <select
            id={id}
            value={String(value ?? '')}
            aria-describedby={describedBy}
            onChange={(event) => onChange(event.target.value)}
          >
            {schema.enum.map((option) => (
              <option key={String(option)} value={String(option)}>
                {schema.options?.[String(option)] ?? String(option)}
              </option>
            ))}
          </select>
        </label>
        <Help id={id} text={help} />
      </>
    );
  }
  if (type === 'boolean') {
    return (
      <div className="field">
        <label className="checkbox" htmlFor={id}>
          <input
            id={id}
            type="checkbox"
            checked={Boolean(value ?? schema.default)}
            aria-describedby={describedBy}
            onChange={(event) => onChange(event.target.checked)}
          />{' '}
          {label}
        </label>
        <Help id={id} text={help} />
      </div>
    );
  }
  if (type === 'number' || type === 'integer') {
    return (
      <>
        <label className="field" htmlFor={id}>
          <span>{label}</span>
          <input
            id={id}
            type="number"
            value={value === undefined || value === null ? '' : String(value)}
            min={schema.minimum}
            max={schema.maximum}
            step={type === 'integer' ? 1 : 'any'}
            aria-describedby={describedBy}
            onChange={(event) => onChange(event.target.value === '' ? undefined : Number(event.target.value))}
          />
        </label>
        <Help id={id} text={help} />
      </>
    );
  }
  if (type === 'string' && schema.widget === 'datetime') {
    return (
      <>
        <div className="field">
          <span>{label}</span>
          <DateTimeField
            id={id}
            label={label}
            value={typeof value === 'string' ? value : undefined}
            onChange={onChange}
            describedBy={describedBy}
          />
        </div>
        <Help id={id} text={help} />
      </>
    );
  }
  if (type === 'string') {
    const multiline =
      multilineWidgets.has(schema.widget ?? '') ||
      (schema.widget === undefined && (schema.maxLength ?? 0) > 1000);
    return (
      <>
        <label className="field" htmlFor={id}>
          <span>{label}</span>
          {multiline ? (
            <textarea
              id={id}
              rows={schema.widget === 'html' ? 6 : 3}
              value={String(value ?? '')}
              aria-describedby={describedBy}
              onChange={(event) => onChange(event.target.value)}
            />
          ) : (
            <input
              id={id}
              value={String(value ?? '')}
              aria-describedby={describedBy}
              onChange={(event) => onChange(event.target.value)}
            />
          )}
        </label>
        {liquidWidgets.has(schema.widget ?? '') && (
          <VariablePicker fieldId={id} fieldLabel={label} value={String(value ?? '')} onChange={onChange} />
        )}
        <Help id={id} text={help} />
      </>
    );
  }
  if (type === 'array' && schema.widget === 'weekdays') {
    const days = (value as number[] | undefined) ?? [];
    return (
      <fieldset className="subform">
        <legend>{label}</legend>
        {Array.from({ length: 7 }, (_, index) => {
          const day = schema.options?.[String(index)] ?? String(index);
          return (
            <label key={index} className="checkbox inline">
              <input
                type="checkbox"
                checked={days.includes(index)}
                onChange={(event) =>
                  onChange(event.target.checked ? [...days, index].sort() : days.filter((d) => d !== index))
                }
              />{' '}
              {day}
            </label>
          );
        })}
        <Help id={id} text={help} />
      </fieldset>
    );
  }
  if (type === 'array' && schema.items) {
    const items = (value as unknown[] | undefined) ?? [];
    const entry = schema.itemTitle ?? humanize(name.replace(/s$/, ''));
    return (
      <fieldset className="subform">
        <legend>{label}</legend>
        <Help id={id} text={help} />
        {items.map((item, index) => (
          <div key={index} className="list-item">
            <Field
              name={name.replace(/s$/, '')}
              label={`${entry} ${index + 1}`}
              schema={{ ...schema.items!, title: undefined, description: undefined }}
              root={root}
              value={item}
              path={`${path}-${index}`}
              onChange={(next) => onChange(items.map((old, i) => (i === index ? next : old)))}
            />
            <Button
              variant="ghost"
              aria-label={t('inspector.removeItem', { label: `${entry} ${index + 1}` })}
              onClick={() => onChange(items.filter((_, i) => i !== index))}
            >
              ✕
            </Button>
          </div>
        ))}
        <Button onClick={() => onChange([...items, defaultFor(schema.items!, root)])}>
          {t('inspector.addItem', { label: entry })}
        </Button>
      </fieldset>
    );
  }
  if (type === 'object' && schema.properties) {
    return (
      <fieldset className="subform">
        <legend>{label}</legend>
        <Help id={id} text={help} />
        <ObjectFields
          schema={schema}
          root={root}
          value={(value ?? {}) as Record<string, unknown>}
          onChange={onChange}
          path={path}
        />
      </fieldset>
    );
  }
  // Anything else (free-form values, header maps): edited as JSON.
  return (
    <>
      <label className="field" htmlFor={id}>
        <span>{label} (JSON)</span>
        <input
          id={id}
          defaultValue={value === undefined ? '' : JSON.stringify(value)}
          aria-describedby={describedBy}
          onChange={(event) => {
            try {
              onChange(event.target.value === '' ? undefined : JSON.parse(event.target.value));
            } catch {
              onChange(event.target.value);
            }
          }}
        />
      </label>
      <Help id={id} text={help} />
    </>
  );
}

function ObjectFields({
  schema,
  root,
  value,
  onChange,
  path,
  skip,
}: {
  schema: JsonSchema;
  root: JsonSchema;
  value: Record<string, unknown>;
  onChange(value: unknown): void;
  path: string;
  skip?: string;
}) {
  return (
    <>
      {Object.entries(schema.properties ?? {})
        .filter(([key]) => key !== skip)
        .map(([key, property]) => (
          <Field
            key={key}
            name={key}
            label={resolve(property, root).title ?? humanize(key)}
            schema={property}
            root={root}
            value={value[key]}
            path={`${path}-${key}`}
            optional={!schema.required?.includes(key)}
            onChange={(next) => {
              const copy = { ...value };
              if (next === undefined) delete copy[key];
              else copy[key] = next;
              onChange(copy);
            }}
          />
        ))}
    </>
  );
}

export function SchemaForm({
  schema,
  value,
  onChange,
  idPrefix,
}: {
  schema: JsonSchema;
  value: Record<string, unknown>;
  onChange(value: Record<string, unknown>): void;
  idPrefix: string;
}) {
  return (
    <ObjectFields
      schema={schema}
      root={schema}
      value={value}
      onChange={(next) => onChange(next as Record<string, unknown>)}
      path={idPrefix}
    />
  );
}
