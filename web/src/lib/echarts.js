// echarts.js: the parts of Apache ECharts the pages use, registered once (the whole
// library would triple the download for a phone on a village connection).
import * as echarts from 'echarts/core'
import { MapChart, ScatterChart, BarChart, LineChart } from 'echarts/charts'
import { GeoComponent, GridComponent, LegendComponent, VisualMapComponent, TitleComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([MapChart, ScatterChart, BarChart, LineChart, GeoComponent, GridComponent, LegendComponent, VisualMapComponent, TitleComponent, TooltipComponent, CanvasRenderer])

export default echarts
