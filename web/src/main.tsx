// The web console and the permissions explorer: one page app, drawn with Preact.
import { render } from 'preact';
import { App } from './components/App.tsx';
import './styles/theme.css';
import './styles/app.css';
import './styles/print.css';

render(<App />, document.getElementById('app')!);
