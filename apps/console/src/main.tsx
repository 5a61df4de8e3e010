import '@picocss/pico/css/pico.min.css';
import './styles.css';
import { render } from 'preact';
import { App } from './app';
import { refreshSession } from './session';

render(<App />, document.getElementById('app')!);
// `omnigate:ready`: the page knows who it is and shows its page (bench/console.mjs reads it).
void refreshSession().then(() => performance.mark('omnigate:ready'));
