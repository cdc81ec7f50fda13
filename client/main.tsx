// Client entry: query cache, tRPC, i18n, then the app.
import './zod-setup';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { AuthGate } from './accounts/auth-gate';
import { I18nProvider } from './i18n/i18n';
import { createApiClient, prefetchForPage, TRPCProvider } from './trpc';
import './styles.css';

function Root() {
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: 1 } } }),
  );
  const [trpcClient] = useState(() => {
    const client = createApiClient();
    // The page's data is asked for alongside the sign-in check, not after it.
    prefetchForPage(client, queryClient, window.location.pathname);
    return client;
  });
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <I18nProvider>
          <AuthGate>
            <App />
          </AuthGate>
        </I18nProvider>
      </TRPCProvider>
    </QueryClientProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
