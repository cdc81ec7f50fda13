// The condition builder: rules on traits, trigger-event properties, variables and event history,
// matched all or any, with operators that fit.
import type { Condition, Rule } from '../../shared/conditions';
import { operators } from '../../shared/conditions';
import { useI18n } from '../i18n/i18n';
import { Button } from '../ui/button';

const noValue = new Set(['exists', 'notExists']);

function parseValue(text: string): unknown {
  if (text.trim() !== '' && !Number.isNaN(Number(text))) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

export function ConditionEditor({
  label,
  value,
  onChange,
  optional,
}: {
  label: string;
  value: Condition | undefined;
  onChange(value: Condition | undefined): void;
  optional?: boolean;
}) {
  const { t } = useI18n();
  const condition: Condition = value ?? { match: 'all', rules: [] };
  const rules = condition.rules;
  const setRules = (next: Condition['rules']) =>
    onChange(optional && next.length === 0 ? undefined : { ...condition, rules: next });
  const setRule = (index: number, rule: Rule) => setRules(rules.map((old, i) => (i === index ? rule : old)));
  return (
    <fieldset className="subform condition-editor">
      <legend>{label}</legend>
      <label className="field">
        <span>{t('condition.match')}</span>
        <select
          value={condition.match}
          onChange={(event) => onChange({ ...condition, match: event.target.value as 'all' | 'any' })}
        >
          <option value="all">{t('condition.all')}</option>
          <option value="any">{t('condition.any')}</option>
        </select>
      </label>
      {rules.map((rule, index) => {
        if ('rules' in rule)
          return (
            <p key={index} className="muted">
              {t('condition.nested')}
            </p>
          );
        const n = index + 1;
        return (
          <div key={index} className="rule" role="group" aria-label={t('condition.rule', { n })}>
            <select
              aria-label={t('condition.kind', { n })}
              value={rule.kind === 'eventHistory' ? 'eventHistory' : rule.source}
              onChange={(event) =>
                setRule(
                  index,
                  event.target.value === 'eventHistory'
                    ? { kind: 'eventHistory', event: 'Order Completed', op: 'gte', count: 1, withinDays: 30 }
                    : {
                        kind: 'attribute',
                        source: event.target.value as 'trait',
                        path: rule.kind === 'attribute' ? rule.path : '',
                        op: 'eq',
                        value: '',
                      },
                )
              }
            >
              <option value="trait">{t('condition.trait')}</option>
              <option value="event">{t('condition.eventProperty')}</option>
              <option value="variable">{t('condition.variable')}</option>
              <option value="group">{t('condition.group')}</option>
              <option value="eventHistory">{t('condition.history')}</option>
            </select>
            {rule.kind === 'attribute' ? (
              <>
                <input
                  aria-label={t('condition.path', { n })}
                  placeholder={t('condition.pathPlaceholder')}
                  value={rule.path}
                  onChange={(event) => setRule(index, { ...rule, path: event.target.value })}
                />
                <select
                  aria-label={t('condition.operator', { n })}
                  value={rule.op}
                  onChange={(event) =>
                    setRule(index, {
                      ...rule,
                      op: event.target.value as Rule['op'] & (typeof operators)[number],
                    })
                  }
                >
                  {operators.map((op) => (
                    <option key={op} value={op}>
                      {t(`op.${op}`)}
                    </option>
                  ))}
                </select>
                {!noValue.has(rule.op) && (
                  <input
                    aria-label={t('condition.value', { n })}
                    value={rule.value === undefined ? '' : String(rule.value)}
                    onChange={(event) => setRule(index, { ...rule, value: parseValue(event.target.value) })}
                  />
                )}
              </>
            ) : (
              <>
                <input
                  aria-label={t('condition.event', { n })}
                  value={rule.event}
                  onChange={(event) => setRule(index, { ...rule, event: event.target.value })}
                />
                <select
                  aria-label={t('condition.operator', { n })}
                  value={rule.op}
                  onChange={(event) => setRule(index, { ...rule, op: event.target.value as 'gte' })}
                >
                  <option value="gte">{t('op.gte')}</option>
                  <option value="lt">{t('op.lt')}</option>
                  <option value="eq">{t('op.eq')}</option>
                </select>
                <input
                  aria-label={t('condition.count', { n })}
                  type="number"
                  min={0}
                  value={rule.count}
                  onChange={(event) => setRule(index, { ...rule, count: Number(event.target.value) })}
                />
                <input
                  aria-label={t('condition.withinDays', { n })}
                  type="number"
                  min={1}
                  placeholder={t('condition.ever')}
                  value={rule.withinDays ?? ''}
                  onChange={(event) =>
                    setRule(index, {
                      ...rule,
                      withinDays: event.target.value === '' ? undefined : Number(event.target.value),
                    })
                  }
                />
              </>
            )}
            <Button
              variant="ghost"
              aria-label={t('condition.remove', { n })}
              onClick={() => setRules(rules.filter((_, i) => i !== index))}
            >
              ✕
            </Button>
          </div>
        );
      })}
      <Button
        onClick={() =>
          setRules([...rules, { kind: 'attribute', source: 'trait', path: '', op: 'eq', value: '' }])
        }
      >
        {t('condition.addRule')}
      </Button>
    </fieldset>
  );
}
