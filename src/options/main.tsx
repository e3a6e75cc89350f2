import { render } from 'preact';
import { OptionsApp } from './App';
import { createConnector } from '../ui/connector';
import { applyTheme } from '../ui/theme';
import '../ui/styles.css';
import './options.css';

applyTheme(document);
const connector = createConnector();
render(<OptionsApp connector={connector} version={connector.version()} />, document.getElementById('app')!);
