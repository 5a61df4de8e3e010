import '@picocss/pico/css/pico.min.css';
import './styles.css';
import { render } from 'preact';
import { App } from './app';
import { refreshSession } from './session';

render(<App />, document.getElementById('app')!);
void refreshSession();
