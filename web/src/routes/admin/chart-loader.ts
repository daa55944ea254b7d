/**
 * The only module that imports chart.js, and only the pieces a horizontal stacked bar chart needs
 * (named imports let the bundler drop the rest). StackedBarChart.svelte imports this file dynamically,
 * so chart.js becomes a chunk of its own that only the admin report fetches.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export { Chart };
