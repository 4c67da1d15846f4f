// The admin serves its own fonts (Latin and Simplified Chinese), so it reads the same on a machine
// without CJK fonts as on one with them: no empty boxes on zh-CN screens. The browser downloads
// only the unicode-range slices a page uses.
import '@fontsource-variable/inter';
import '@fontsource-variable/noto-sans-sc';
import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './i18n';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
