// The app shell: top bar with language switch, then the page for the current route.
import { useI18n, type Locale } from './i18n/i18n';
import { logOut, useCurrentUser } from './accounts/auth-gate';
import { JourneyEditorPage } from './canvas/journey-editor-page';
import { JourneyListPage } from './journeys/journey-list-page';
import { Link, useRoute } from './navigation';
import { ProfileListPage } from './profiles/profile-list-page';
import { ProfilePage } from './profiles/profile-page';
import { SettingsPage } from './settings/settings-page';

export function App() {
  const route = useRoute();
  const { t, locale, setLocale } = useI18n();
  const user = useCurrentUser();
  return (
    <div className="app">
      <nav className="topbar" aria-label="Main">
        <Link className="brand" to="/">
          ◆ {t('app.name')}
        </Link>
        <Link to="/">{t('nav.journeys')}</Link>
        <Link to="/profiles">{t('nav.profiles')}</Link>
        <Link to="/settings">{t('nav.settings')}</Link>
        <span className="spacer" />
        {user && (
          <span className="muted-light">
            {user.email} · {t(`role.${user.role}`)}
          </span>
        )}
        <button type="button" className="link-light" onClick={() => void logOut()}>
          {t('auth.logout')}
        </button>
        <label className="locale">
          <span className="visually-hidden">{t('language')}</span>
          <select
            aria-label={t('language')}
            value={locale}
            onChange={(event) => setLocale(event.target.value as Locale)}
          >
            <option value="en">English</option>
            <option value="de">Deutsch</option>
          </select>
        </label>
      </nav>
      {route.page === 'journeys' && <JourneyListPage />}
      {route.page === 'journey' && <JourneyEditorPage key={route.id} journeyId={route.id} />}
      {route.page === 'profiles' && <ProfileListPage />}
      {route.page === 'profile' && <ProfilePage key={route.id} profileId={route.id} />}
      {route.page === 'settings' && <SettingsPage />}
      {route.page === 'not-found' && (
        <main className="page">
          <h1>404</h1>
        </main>
      )}
    </div>
  );
}
