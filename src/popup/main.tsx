/** Popup entry. `early-state` comes first: the state request leaves before the view's code is evaluated. */
import { laterState, realConnector, takeFirstState } from './early-state';
import { render } from 'preact';
import { App } from './App';
import { applyTheme } from '../ui/theme';
import '../ui/styles.css';

applyTheme(document);
render(<App connector={{ ...realConnector, getState: takeFirstState, laterState }} />, document.getElementById('app')!);
