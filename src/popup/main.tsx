import { render } from 'preact';
import { App } from './App';
import { createConnector } from '../ui/connector';
import { applyTheme } from '../ui/theme';
import '../ui/styles.css';

applyTheme(document);
render(<App connector={createConnector()} />, document.getElementById('app')!);
