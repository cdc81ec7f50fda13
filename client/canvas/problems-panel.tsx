// Problems found while editing; choosing one selects its node.
import { useI18n } from '../i18n/i18n';
import { useEditor } from './editor-store';

export function ProblemsPanel({ onFocusNode }: { onFocusNode(nodeId: string): void }) {
  const { t } = useI18n();
  const problems = useEditor((state) => state.inspection.problems);
  return (
    <section className="problems-panel" aria-label={t('problems.title')}>
      <h2>{problems.length === 0 ? t('problems.none') : t('problems.count', { count: problems.length })}</h2>
      <ul>
        {problems.map((problem, index) => (
          <li key={index}>
            {problem.nodeId ? (
              <button type="button" className="link" onClick={() => onFocusNode(problem.nodeId!)}>
                {problem.message}
              </button>
            ) : (
              problem.message
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
