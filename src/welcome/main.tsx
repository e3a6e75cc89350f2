/** Welcome page entry: opened once by the worker on a fresh install (runtime.onInstalled, reason 'install'). */
import { render } from 'preact';
import { Welcome } from './Welcome';
import { createConnector } from '../ui/connector';
import { applyTheme } from '../ui/theme';
import '../ui/styles.css';
import '../options/options.css';

applyTheme(document);
render(<Welcome connector={createConnector()} />, document.getElementById('app')!);
