import 'uplot/dist/uPlot.min.css';
import './style.css';
import { render } from 'preact';
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { api, HttpError, setShareToken, type SiteView } from './api';
import { invalidate, useAsync } from './hooks';
import { Dashboard } from './components/Dashboard';
import { AcceptInvitation, Login, ResetPassword, SharePassword } from './components/Login';
import { Sites } from './components/Sites';
import { applyTheme } from './components/ThemeSwitch';

/** What the server put in the page (the site's view when this browser may see it, who is logged in); used once. */
interface Boot {
  me?: string;
  access?: 'user' | 'link' | 'public';
  site?: SiteView;
}
let boot: Boot | null = (() => {
  try {
    return JSON.parse(document.getElementById('footfall-boot')?.textContent ?? 'null') as Boot | null;
  } catch {
    return null;
  }
})();
function takeBoot(): Boot | null {
  const b = boot;
  boot = null;
  return b;
}

type Route = { page: 'login' } | { page: 'invite'; token: string } | { page: 'reset'; token: string } | { page: 'sites' } | { page: 'site'; domain: string } | { page: 'settings'; domain: string } | { page: 'share'; domain: string; token: string };

function route(): Route {
  const parts = location.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'login') return { page: 'login' };
  if ((parts[0] === 'invite' || parts[0] === 'reset') && parts[1] && parts.length === 2) return { page: parts[0], token: parts[1] };
  if (parts[0] === 'share' && parts[1]) return { page: 'share', domain: parts[1], token: new URLSearchParams(location.search).get('auth') ?? '' };
  if (parts[0] && parts[1] === 'settings') return { page: 'settings', domain: parts[0] };
  if (parts[0]) return { page: 'site', domain: parts[0] };
  return { page: 'sites' };
}

function Message({ title, children }: { title: string; children?: preact.ComponentChildren }) {
  return (
    <main class="narrow">
      <h1 class="brand">Footfall</h1>
      <div class="card">
        <h2>{title}</h2>
        {children}
      </div>
    </main>
  );
}

function SitePage({ r, navigate }: { r: Extract<Route, { page: 'site' | 'share' }>; navigate: (p: string) => void }) {
  // before any child renders: the dashboard's queries (started in its layout effects, which run before this
  // component's) must carry the link's token
  setShareToken(r.page === 'share' ? r.token : null);
  const [site, setSite] = useState<SiteView | null>(() => {
    const b = takeBoot();
    return b?.site && b.site.domain === r.domain.toLowerCase().replace(/^www\./, '') ? b.site : null;
  });
  const [err, setErr] = useState<HttpError | null>(null);
  const [n, setN] = useState(0);
  useLayoutEffect(() => {
    setShareToken(r.page === 'share' ? r.token : null);
    if (site && site.domain === r.domain.toLowerCase().replace(/^www\./, '') && n === 0) return; // known from the page itself
    setSite(null);
    setErr(null);
    const q = `site=${encodeURIComponent(r.domain)}`;
    api<{ access: string | null; passwordRequired?: boolean; exists?: boolean; site?: SiteView }>('GET', `access?${q}`)
      .then((a) => {
        if (a.access && a.site) return setSite(a.site);
        if (a.passwordRequired) return setErr(new HttpError(401, 'password required', { passwordRequired: true }));
        if (a.exists === false) return setErr(new HttpError(404, `There is no site ${r.domain}.`, {}));
        if (r.page === 'site') return navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
        setErr(new HttpError(401, 'The link is wrong, or it was removed.', {}));
      })
      .catch((e: HttpError) => setErr(e));
  }, [r.domain, r.page, n]);
  if (err?.body.passwordRequired && r.page === 'share') return <SharePassword token={r.token} onDone={() => setN(n + 1)} />;
  if (err) return <Message title={err.status === 401 ? 'This link is not valid' : err.status === 404 ? 'No such site' : 'Something went wrong'}>{<p>{err.message}</p>}</Message>;
  if (!site) return <main class="narrow" aria-busy="true" />;
  return <Dashboard site={site} navigate={navigate} shareToken={r.page === 'share' ? r.token : null} />;
}

/** The settings page is a chunk of its own: most visits never open it. */
function LazySettings(props: { domain: string; navigate: (p: string) => void }) {
  const mod = useAsync('settings-module', () => import('./components/Settings'));
  if (mod.error) return <Message title="Something went wrong">{<p>{mod.error.message}</p>}</Message>;
  return mod.data ? <mod.data.Settings {...props} /> : <main class="narrow" aria-busy="true" />;
}

function App() {
  const [r, setR] = useState<Route>(route);
  const [me, setMe] = useState<string | null | undefined>(() => (r.page === 'sites' || r.page === 'settings' ? takeBoot()?.me : undefined));
  const navigate = (path: string) => {
    history.pushState(null, '', path);
    setR(route());
    scrollTo(0, 0);
  };
  useEffect(() => {
    const onPop = () => setR(route());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const needsUser = r.page === 'sites' || r.page === 'settings';
  useEffect(() => {
    if (!needsUser || me) return;
    api<{ email: string | null }>('GET', 'me').then((u) => {
      setMe(u.email);
      if (!u.email) navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    });
  }, [r]);
  if (r.page === 'login')
    return (
      <Login
        onDone={() => {
          invalidate();
          const next = new URLSearchParams(location.search).get('next');
          setMe(undefined);
          navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
        }}
      />
    );
  if (r.page === 'site' || r.page === 'share') return <SitePage r={r} navigate={navigate} />;
  if (r.page === 'invite') return <AcceptInvitation token={r.token} navigate={navigate} />;
  if (r.page === 'reset') return <ResetPassword token={r.token} navigate={navigate} />;
  if (!me) return <main class="narrow" aria-busy="true" />;
  if (r.page === 'settings') return <LazySettings domain={r.domain} navigate={navigate} />;
  return (
    <Sites
      email={me}
      navigate={navigate}
      onLogout={() => {
        setMe(null);
        invalidate();
        navigate('/login');
      }}
    />
  );
}

applyTheme();
render(<App />, document.getElementById('app')!);
