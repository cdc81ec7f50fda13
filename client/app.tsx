// The app shell: top bar with language switch, then the page for the current route.
import { useI18n, type Locale } from './i18n/i18n';
import { JourneyEditorPage } from './canvas/journey-editor-page';
import { JourneyListPage } from './journeys/journey-list-page';
import { navigate, useRoute } from './navigation';

export function App() {
  const route = useRoute();
  const { t, locale, setLocale } = useI18n();
  return (
    <div className="app">
      <nav className="topbar" aria-label="Main">
        <a className="brand" href="/" onClick={(event) => { event.preventDefault(); navigate('/'); }}>◆ {t('app.name')}</a>
        <a href="/" onClick={(event) => { event.preventDefault(); navigate('/'); }}>{t('nav.journeys')}</a>
        <span className="spacer" />
        <label className="locale">
          <span className="visually-hidden">{t('language')}</span>
          <select aria-label={t('language')} value={locale} onChange={(event) => setLocale(event.target.value as Locale)}>
            <option value="en">English</option>
            <option value="de">Deutsch</option>
          </select>
        </label>
      </nav>
      {route.page === 'journeys' && <JourneyListPage />}
      {route.page === 'journey' && <JourneyEditorPage key={route.id} journeyId={route.id} />}
      {route.page === 'not-found' && <main className="page"><h1>404</h1></main>}
    </div>
  );
}
