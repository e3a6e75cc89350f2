import { render } from 'preact';
import { OptionsApp } from './App';
import { createConnector } from '../ui/connector';
import { browser } from '../platform/browser';
import { applyTheme } from '../ui/theme';
import '../ui/styles.css';
import './options.css';

applyTheme(document);
render(<OptionsApp connector={createConnector()} version={browser.runtime.getManifest().version} />, document.getElementById('app')!);
